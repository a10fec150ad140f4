namespace AirRemediation.Engine.Forwarding;

/// <summary>A change Disable-AirMailForwarding is about to make, for ShouldProcess: the target and what would happen.</summary>
public sealed record ForwardingChange(string Mailbox, string Kind, string? Rule, IReadOnlyList<string> Targets, string Description);
