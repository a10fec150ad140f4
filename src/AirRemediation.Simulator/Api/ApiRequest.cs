using AirRemediation.Simulator.Identity;

namespace AirRemediation.Simulator.Api;

/// <summary>
/// One Graph or Exchange request, from the wire or from a $batch item, so both go through the same pipeline
/// (auth, limits, faults, latency) and the same handlers.
/// </summary>
public sealed class ApiRequest
{
    public required string Method { get; init; }
    /// <summary>Decoded path segments after the service root (after /v1.0 for Graph).</summary>
    public required string[] Segments { get; init; }
    /// <summary>Decoded query parameters; names case-sensitive as Graph treats $-options ($top, not $TOP).</summary>
    public required Dictionary<string, string> Query { get; init; }
    public required Dictionary<string, string> Headers { get; init; }
    public byte[]? Body { get; init; }
    /// <summary>Absolute service root as the client sees it, e.g. http://127.0.0.1:5000/v1.0.</summary>
    public required string ServiceRoot { get; init; }
    /// <summary>Path + query as received, relative to the service root (used to build nextLinks).</summary>
    public required string RelativeUrl { get; init; }
    public bool IsBatchItem { get; init; }
    public string RequestId { get; } = Guid.NewGuid().ToString();
    public string? ClientRequestId => Headers.TryGetValue("client-request-id", out var v) ? v : null;
    public AccessPrincipal? Principal { get; set; }

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>True when a Prefer header (possibly comma-separated) contains the given preference.</summary>
    public bool Prefers(string preference)
    {
        var prefer = Header("Prefer");
        return prefer is not null && prefer.Split(',').Any(p => p.Trim().StartsWith(preference, StringComparison.OrdinalIgnoreCase));
    }

    public bool WantsImmutableIds
    {
        get
        {
            var prefer = Header("Prefer");
            return prefer is not null && prefer.Split(',').Any(p =>
                p.Replace(" ", "", StringComparison.Ordinal).Equals("IdType=\"ImmutableId\"", StringComparison.OrdinalIgnoreCase));
        }
    }

    public JsonNode? ParseBody()
    {
        if (Body is null || Body.Length == 0) return null;
        return JsonNode.Parse(Body, new JsonNodeOptions { PropertyNameCaseInsensitive = true });
    }
}
