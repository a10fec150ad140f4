using System.Text.Json.Serialization;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>What a forwarding item is about.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ForwardingItemKind>))]
public enum ForwardingItemKind
{
    /// <summary>An inbox rule that forwards or redirects.</summary>
    InboxRule,
    /// <summary>The mailbox's own forwarding (ForwardingSmtpAddress, ForwardingAddress).</summary>
    MailboxForwarding,
    /// <summary>The mailbox as a whole (nothing found, not found, rejected input).</summary>
    Mailbox,
}

/// <summary>What the journal says to do with one forwarding item.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ForwardingOp>))]
internal enum ForwardingOp
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("disable")] Disable,
    [JsonStringEnumMemberName("delete")] Delete,
    [JsonStringEnumMemberName("clear")] Clear,
    [JsonStringEnumMemberName("undo-enable")] UndoEnable,
    [JsonStringEnumMemberName("undo-create")] UndoCreate,
    [JsonStringEnumMemberName("undo-restore")] UndoRestore,
}

/// <summary>What happened to a forwarding item (or what would, under -WhatIf).</summary>
public enum ForwardingOutcome
{
    Disabled,
    Removed,
    Cleared,
    AlreadyOff,
    NotChangeable,
    NoForwarding,
    Restored,
    WouldDisable,
    WouldRemove,
    WouldClear,
    Skipped,
    Failed,
    Rejected,
}

/// <summary>
/// The journal's record of one forwarding item. Before: the rule's JSON as Graph returned it, or the mailbox's forwarding
/// fields (<see cref="MailboxForwarding"/>) — written to BeforeJson when the item starts, so undo restores exactly that.
/// </summary>
internal sealed record ForwardingItemData(string Mailbox, ForwardingItemKind Kind, ForwardingOp Op, string? RuleId = null, string? RuleName = null,
    IReadOnlyList<string>? Targets = null, string? Before = null, bool ClearSmtp = false, bool ClearAddress = false, bool ResetDeliver = false)
{
    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ForwardingItemData FromJson(string? json) =>
        (json is null ? null : JsonSerializer.Deserialize<ForwardingItemData>(json, Json))
        ?? throw new AirException(AirErrorKind.InvalidInput, "A forwarding item of the journal has no data.");

    /// <summary>What ShouldProcess and messages call the item: the mailbox, and the rule or its forwarding.</summary>
    public string Target => ForwardingResult.TargetOf(Mailbox, Kind, RuleName);
}
