namespace AirRemediation.Simulator.Exchange;

/// <summary>The Parameters object of an InvokeCommand body, read the way PowerShell binds them (names case-insensitive).</summary>
public sealed class CmdletParameters(JsonObject? parameters)
{
    readonly JsonObject p = parameters ?? [];

    /// <summary>The parameter names as sent.</summary>
    public IEnumerable<string> Names => p.Select(kv => kv.Key);

    public bool Has(string name) => Node(name) is not null || p.Any(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase));

    public JsonNode? Node(string name) => p.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public string? String(string name) => Node(name) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    /// <summary>Switches arrive as true (or "true"); present-but-null counts as not set.</summary>
    public bool Switch(string name) => Node(name) switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => string.Equals(s, "true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    public bool? Bool(string name) => Node(name) switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) && bool.TryParse(s, out var b) => b,
        _ => null,
    };

    public List<string>? Strings(string name) => Node(name) switch
    {
        JsonArray a => [.. a.Select(x => x?.ToString() ?? "")],
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => null,
    };

    public DateTimeOffset? Date(string name) =>
        String(name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
}
