using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>One forwarding change (or non-change) of Disable-AirMailForwarding or its undo.</summary>
public sealed record ForwardingResult
{
    public required string ActionId { get; init; }
    public required string Mailbox { get; init; }
    public required ForwardingItemKind Kind { get; init; }
    public string? Rule { get; init; }
    public string? RuleId { get; init; }
    public IReadOnlyList<string> Targets { get; init; } = [];
    public required ItemState State { get; init; }
    public required ForwardingOutcome Outcome { get; init; }
    public string? Reason { get; init; }
    public AirErrorKind? ErrorKind { get; init; }

    /// <summary>The mailbox, and the rule or its forwarding: what a prompt or message names.</summary>
    public string Target => TargetOf(Mailbox, Kind, Rule);

    internal static string TargetOf(string mailbox, ForwardingItemKind kind, string? rule) => kind switch
    {
        ForwardingItemKind.InboxRule => $"{mailbox}: inbox rule '{rule}'",
        ForwardingItemKind.MailboxForwarding => $"{mailbox}: mailbox forwarding",
        _ => mailbox,
    };
}
