using System.Text.Json;
using System.Text.Json.Nodes;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>The Tenant Allow/Block List cmdlets for URLs, over the Exchange admin client (one request each; retries are the client's).</summary>
internal sealed class TablApi(ExchangeAdminClient exchange)
{
    public const string ListType = "Url";

    /// <summary>Every URL block entry (all pages).</summary>
    public async Task<IReadOnlyList<UrlBlockEntry>> ListAsync(CancellationToken ct)
    {
        var r = await exchange.InvokeAsync("Get-TenantAllowBlockListItems",
            new Dictionary<string, object?> { ["ListType"] = ListType, ["Block"] = true }, null, ct).ConfigureAwait(false);
        return [.. r.Values.Select(UrlBlockEntry.FromJson).OfType<UrlBlockEntry>()];
    }

    /// <summary>
    /// The block entry with exactly this value (Get-TenantAllowBlockListItems -Entry), or null when there is none. This,
    /// not the add's output, is what says an add took effect and what its Identity is.
    /// </summary>
    public async Task<UrlBlockEntry?> FindAsync(string value, CancellationToken ct)
    {
        try
        {
            var r = await exchange.InvokeAsync("Get-TenantAllowBlockListItems",
                new Dictionary<string, object?> { ["ListType"] = ListType, ["Block"] = true, ["Entry"] = value }, null, ct).ConfigureAwait(false);
            return r.Values.Select(UrlBlockEntry.FromJson).OfType<UrlBlockEntry>()
                .FirstOrDefault(e => string.Equals(e.Value, value, StringComparison.OrdinalIgnoreCase));
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The per-entry errors an add reported, by value, whatever shape its output took: objects in <c>value</c>, or (as
    /// -OutputJson answers over REST) one JSON string holding an object or an array of them. Text that is not JSON is
    /// ignored: the entries are confirmed with <see cref="FindAsync"/> anyway.
    /// </summary>
    public static Dictionary<string, string> ReportedErrors(ExchangeResult r)
    {
        var objects = new List<JsonObject>(r.Values);
        foreach (var text in r.Texts ?? [])
        {
            try
            {
                switch (JsonNode.Parse(text))
                {
                    case JsonObject o: objects.Add(o); break;
                    case JsonArray a: objects.AddRange(a.OfType<JsonObject>()); break;
                }
            }
            catch (JsonException)
            {
                // Not JSON: nothing per entry to read from it.
            }
        }
        var errors = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var o in objects)
        {
            if (Str(o, "Value") is { } value && Str(o, "Error") is { Length: > 0 } error) errors.TryAdd(value, error);
        }
        return errors;
    }

    private static string? Str(JsonObject o, string name)
    {
        foreach (var (k, v) in o)
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase) && v is JsonValue jv && jv.TryGetValue<string>(out var s)) return s;
        return null;
    }

    /// <summary>New-TenantAllowBlockListItems -Block -OutputJson: so one bad entry does not halt the others (the result is confirmed entry by entry).</summary>
    public Task<ExchangeResult> AddAsync(IReadOnlyList<string> values, DateTimeOffset? expires, bool noExpiration, string? notes, CancellationToken ct,
        Func<CancellationToken, Task<ExchangeResult?>>? verify = null)
    {
        var p = new Dictionary<string, object?> { ["ListType"] = ListType, ["Block"] = true, ["Entries"] = values, ["OutputJson"] = true };
        if (noExpiration) p["NoExpiration"] = true;
        else if (expires is { } e) p["ExpirationDate"] = e;
        if (!string.IsNullOrEmpty(notes)) p["Notes"] = notes;
        return exchange.InvokeAsync("New-TenantAllowBlockListItems", p, null, ct, verify);
    }

    /// <summary>Set-TenantAllowBlockListItems -Ids: a new expiry (or none) and notes.</summary>
    public Task<ExchangeResult> SetAsync(string id, DateTimeOffset? expires, bool noExpiration, string? notes, CancellationToken ct)
    {
        var p = new Dictionary<string, object?> { ["ListType"] = ListType, ["Ids"] = new[] { id } };
        if (noExpiration) p["NoExpiration"] = true;
        else if (expires is { } e) p["ExpirationDate"] = e;
        p["Notes"] = notes ?? "";
        return exchange.InvokeAsync("Set-TenantAllowBlockListItems", p, null, ct);
    }

    public Task<ExchangeResult> RemoveAsync(IReadOnlyList<string> ids, CancellationToken ct, Func<CancellationToken, Task<ExchangeResult?>>? verify = null) =>
        exchange.InvokeAsync("Remove-TenantAllowBlockListItems",
            new Dictionary<string, object?> { ["ListType"] = ListType, ["Ids"] = ids }, null, ct, verify);
}
