namespace AirRemediation;

/// <summary>The result of verifying the audit trail's hash chain.</summary>
public sealed class AirAuditVerification
{
    public bool IsValid { get; init; }
    public long Entries { get; init; }
    /// <summary>None, HashMismatch, BrokenLink or MissingSequence.</summary>
    public string Problem { get; init; } = "None";
    /// <summary>Sequence number of the first broken entry.</summary>
    public long? BrokenEntry { get; init; }
    public string? BrokenActionId { get; init; }
    public string Message { get; init; } = "";
    public string? HeadHash { get; init; }
    public string Store { get; init; } = "";
}
