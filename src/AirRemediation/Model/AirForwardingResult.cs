namespace AirRemediation;

/// <summary>One forwarding change of Disable-AirMailForwarding (or its undo), or why a mailbox needed none.</summary>
public sealed class AirForwardingResult
{
    public string ActionId { get; init; } = "";
    public string Mailbox { get; init; } = "";
    /// <summary>InboxRule, MailboxForwarding or Mailbox.</summary>
    public string Kind { get; init; } = "";
    /// <summary>The inbox rule's name (Kind InboxRule).</summary>
    public string? Rule { get; init; }
    public string? RuleId { get; init; }
    /// <summary>The forwarding addresses this change stops (or restores).</summary>
    public string[] Targets { get; init; } = [];
    /// <summary>Disabled, Removed, Cleared, AlreadyOff, NotChangeable, NoForwarding, Restored, Failed or Rejected.</summary>
    public string Outcome { get; init; } = "";
    public string? Reason { get; init; }

    public override string ToString() => $"{Mailbox} {Kind} {Rule} {Outcome}";
}
