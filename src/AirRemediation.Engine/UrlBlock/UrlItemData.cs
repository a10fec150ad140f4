using System.Text.Json;

namespace AirRemediation.Engine.UrlBlock;

/// <summary>
/// What the journal keeps for one URL item: the value, what to do with it, and the entry's fields (Identity, expiry,
/// notes) as needed to act and to undo. Op: add, update, remove (a block or unblock run); undo-remove, undo-set,
/// undo-add (an undo run).
/// </summary>
internal sealed record UrlItemData(string Value, string Op, string? Id = null, DateTimeOffset? ExpiresOn = null, bool NoExpiration = false, string? Notes = null)
{
    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static UrlItemData FromJson(string? json) =>
        (json is null ? null : JsonSerializer.Deserialize<UrlItemData>(json, Json))
        ?? throw new InvalidOperationException("A URL item has no data.");

    public static UrlItemData From(UrlBlockEntry e, string op) => new(e.Value, op, e.Id, e.ExpiresOn, e.ExpiresOn is null, e.Notes);

    public static string Key(string value) => "url|" + value.ToLowerInvariant();
}
