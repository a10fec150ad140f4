using System.Text.Json.Serialization;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>What the journal says to do with one URL entry.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UrlOp>))]
internal enum UrlOp
{
    /// <summary>Block: add the entry (or report it already blocked, or update its expiry).</summary>
    [JsonStringEnumMemberName("add")] Add,
    /// <summary>Block with -UpdateExpiry on an existing entry: set its expiry and notes.</summary>
    [JsonStringEnumMemberName("update")] Update,
    /// <summary>Unblock: remove the entry.</summary>
    [JsonStringEnumMemberName("remove")] Remove,
    /// <summary>Undo of a block: remove the entry the block added.</summary>
    [JsonStringEnumMemberName("undo-remove")] UndoRemove,
    /// <summary>Undo of an expiry update: set the expiry and notes back.</summary>
    [JsonStringEnumMemberName("undo-set")] UndoSet,
    /// <summary>Undo of an unblock: add the entry back with its expiry and notes.</summary>
    [JsonStringEnumMemberName("undo-add")] UndoAdd,
}

/// <summary>What happened to a URL entry, as Block-AirUrl, Unblock-AirUrl and their undo report it.</summary>
public enum UrlOutcome
{
    Blocked,
    AlreadyBlocked,
    ExpiryUpdated,
    Rejected,
    LimitReached,
    Unblocked,
    NotBlocked,
    Removed,
    Restored,
    Failed,
}

/// <summary>
/// What the journal keeps for one URL item: the value, what to do with it, and the entry's fields (Identity, expiry,
/// notes) as needed to act and to undo.
/// </summary>
internal sealed record UrlItemData(string Value, UrlOp Op, string? Id = null, DateTimeOffset? ExpiresOn = null, bool NoExpiration = false, string? Notes = null)
{
    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static UrlItemData FromJson(string? json) =>
        (json is null ? null : JsonSerializer.Deserialize<UrlItemData>(json, Json))
        ?? throw new AirException(AirErrorKind.InvalidInput, "A URL item of the journal has no data.");

    public static UrlItemData From(UrlBlockEntry e, UrlOp op) => new(e.Value, op, e.Id, e.ExpiresOn, e.ExpiresOn is null, e.Notes);

    public static string Key(string value) => "url|" + value.ToLowerInvariant();
}
