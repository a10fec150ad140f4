using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Forwarding;

/// <summary>One forwarding change (or non-change) of Disable-AirMailForwarding or its undo.</summary>
public sealed record ForwardingResult
{
    public required string ActionId { get; init; }
    public required string Mailbox { get; init; }
    /// <summary>InboxRule, MailboxForwarding or Mailbox (a mailbox-level outcome: nothing found, not found…).</summary>
    public required string Kind { get; init; }
    public string? Rule { get; init; }
    public string? RuleId { get; init; }
    public IReadOnlyList<string> Targets { get; init; } = [];
    public required ItemState State { get; init; }
    /// <summary>Disabled, Removed, Cleared, AlreadyOff, NotChangeable, NoForwarding, Restored, WouldDisable…, Failed, Rejected.</summary>
    public required string Outcome { get; init; }
    public string? Reason { get; init; }
    public AirErrorKind? ErrorKind { get; init; }
}
