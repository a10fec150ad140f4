using AirRemediation.Engine.Exchange;

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

    /// <summary>New-TenantAllowBlockListItems -Block -OutputJson: per-entry results, so one bad entry does not halt the others.</summary>
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
