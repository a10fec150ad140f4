using AirRemediation.Engine.Graph;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>What the journal keeps about a message item: enough to move it, verify it and move it back.</summary>
internal sealed record MessageItemData(string Mailbox, string? Id, string? InternetMessageId, string? Subject, string? FolderId, DateTimeOffset? Received)
{
    public static MessageItemData From(string mailbox, MailMessage m) => new(mailbox, m.Id, m.InternetMessageId, m.Subject, m.ParentFolderId, m.ReceivedDateTime);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static MessageItemData FromJson(string? json) =>
        (json is null ? null : JsonSerializer.Deserialize<MessageItemData>(json))
        ?? throw new AirException(AirErrorKind.InvalidInput, "A journal item has no message data.");

    /// <summary>Item key: one per message copy (immutable ids are stable within a mailbox).</summary>
    public static string Key(string mailbox, string messageId) => mailbox + "|" + messageId;

    /// <summary>Key for an input pair that matched no message.</summary>
    public static string MissingKey(string mailbox, string internetMessageId) => mailbox + "|imid:" + internetMessageId;

    /// <summary>Key for a mailbox that could not be searched at all.</summary>
    public static string MailboxKey(string mailbox) => mailbox + "|mailbox";
}
