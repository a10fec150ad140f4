using System.Text.Json;

namespace AirRemediation.Engine.Forwarding;

/// <summary>
/// The journal's record of one forwarding item. Op: disable, delete, clear (a run); undo-enable, undo-create,
/// undo-restore (an undo). Before: the rule's JSON as Graph returned it, or the mailbox's forwarding fields
/// (<see cref="MailboxForwarding"/>) — written to BeforeJson when the item starts.
/// </summary>
internal sealed record ForwardingItemData(string Mailbox, string Kind, string Op, string? RuleId = null, string? RuleName = null,
    IReadOnlyList<string>? Targets = null, string? Before = null, bool ClearSmtp = false, bool ClearAddress = false, bool ResetDeliver = false)
{
    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ForwardingItemData FromJson(string? json) =>
        (json is null ? null : JsonSerializer.Deserialize<ForwardingItemData>(json, Json)) ?? throw new InvalidOperationException("A forwarding item has no data.");
}
