using System.Net.Http.Headers;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Graph;

/// <summary>
/// Inbox rules (<c>/users/{u}/mailFolders/inbox/messageRules</c>) and <c>/domains</c>, as raw JSON over the session's
/// handler. Raw because undo must re-create a deleted rule exactly as it was: the SDK's backing store sends only
/// "changed" values of a model, and would drop most of a rule deserialized from the journal. One request per call;
/// retries are the caller's (failures are <see cref="ServiceCallException"/>s).
/// </summary>
internal sealed class RulesApi(AirSession session)
{
    private readonly UserKeys keys = new(session.Graph);

    private static readonly string[] ServerProperties = ["id", "isReadOnly", "hasError", "@odata.etag", "@odata.context", "@odata.type"];
    private readonly HttpClient http = new(session.Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(100) };

    private async Task<string> RulesAsync(string mailbox, CancellationToken ct) =>
        $"{session.GraphEndpoint.ToString().TrimEnd('/')}/users/{Uri.EscapeDataString(await keys.KeyOfAsync(mailbox, ct).ConfigureAwait(false))}/mailFolders/inbox/messageRules";

    public async Task<IReadOnlyList<JsonObject>> ListAsync(string mailbox, CancellationToken ct)
    {
        var rules = new List<JsonObject>();
        var url = await RulesAsync(mailbox, ct).ConfigureAwait(false);
        while (url is not null)
        {
            var page = await SendAsync(HttpMethod.Get, url, null, ct).ConfigureAwait(false) as JsonObject ?? [];
            rules.AddRange((page["value"] as JsonArray ?? []).OfType<JsonObject>().Select(r => (JsonObject)r.DeepClone()));
            url = (string?)page["@odata.nextLink"];
        }
        return rules;
    }

    public async Task<JsonObject?> GetAsync(string mailbox, string ruleId, CancellationToken ct) =>
        await SendAsync(HttpMethod.Get, $"{await RulesAsync(mailbox, ct).ConfigureAwait(false)}/{Uri.EscapeDataString(ruleId)}", null, ct).ConfigureAwait(false) as JsonObject;

    public async Task<JsonObject> SetEnabledAsync(string mailbox, string ruleId, bool enabled, CancellationToken ct) =>
        await SendAsync(HttpMethod.Patch, $"{await RulesAsync(mailbox, ct).ConfigureAwait(false)}/{Uri.EscapeDataString(ruleId)}", new JsonObject { ["isEnabled"] = enabled }, ct).ConfigureAwait(false) as JsonObject ?? [];

    public async Task DeleteAsync(string mailbox, string ruleId, CancellationToken ct) =>
        await SendAsync(HttpMethod.Delete, $"{await RulesAsync(mailbox, ct).ConfigureAwait(false)}/{Uri.EscapeDataString(ruleId)}", null, ct).ConfigureAwait(false);

    /// <summary>Creates a rule from a recorded one (server-set properties left out); returns the new rule.</summary>
    public async Task<JsonObject> CreateAsync(string mailbox, JsonObject recorded, CancellationToken ct)
    {
        var body = new JsonObject();
        foreach (var (k, v) in recorded)
            if (!ServerProperties.Contains(k, StringComparer.OrdinalIgnoreCase)) body[k] = v?.DeepClone();
        return await SendAsync(HttpMethod.Post, await RulesAsync(mailbox, ct).ConfigureAwait(false), body, ct).ConfigureAwait(false) as JsonObject ?? [];
    }

    /// <summary>The tenant's verified domain names (the fallback when Exchange's accepted domains can't be read).</summary>
    public async Task<IReadOnlyList<string>> VerifiedDomainsAsync(CancellationToken ct)
    {
        var page = await SendAsync(HttpMethod.Get, $"{session.GraphEndpoint.ToString().TrimEnd('/')}/domains", null, ct).ConfigureAwait(false) as JsonObject ?? [];
        return [.. (page["value"] as JsonArray ?? []).OfType<JsonObject>().Where(d => (bool?)d["isVerified"] != false).Select(d => (string?)d["id"]).OfType<string>()];
    }

    private async Task<JsonNode?> SendAsync(HttpMethod method, string url, JsonObject? body, CancellationToken ct)
    {
        var uri = new Uri(url);
        if (!string.Equals(uri.Host, session.GraphEndpoint.Host, StringComparison.OrdinalIgnoreCase))
            throw new ServiceCallException(FailureKind.Rejected, null, "UnexpectedHost", $"Graph returned a link to another host ({uri.Host}); it was not followed.");
        var token = await session.GetTokenAsync(ServiceKind.Graph, ct, ServiceCaller.ForceRefreshRequested).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw ServiceErrorClassifier.FromResponse(response, text, $"Graph answered HTTP {(int)response.StatusCode}.", session.Clock.GetUtcNow());
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new ServiceCallException(FailureKind.Transient, (int)response.StatusCode, "InvalidResponse", "Graph answered with a body that is not JSON.");
        }
    }
}
