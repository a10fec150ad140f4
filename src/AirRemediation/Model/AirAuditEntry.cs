namespace AirRemediation;

/// <summary>One entry of the hash-chained audit trail: who did what to which action, when, from which sign-in, and why.</summary>
public sealed class AirAuditEntry
{
    public long Seq { get; init; }
    public string? ActionId { get; init; }
    public DateTimeOffset At { get; init; }
    public string Actor { get; init; } = "";
    public string ActorKind { get; init; } = "";
    public string? SignIn { get; init; }
    public string Event { get; init; } = "";
    public string? FromState { get; init; }
    public string? ToState { get; init; }
    public string? Reason { get; init; }
    public string Hash { get; init; } = "";
}
