namespace AirRemediation;

/// <summary>The result of verifying the audit trail's hash chain.</summary>
public sealed class AirAuditVerification
{
    public bool IsValid { get; init; }
    public long Entries { get; init; }
    /// <summary>None, HashMismatch, BrokenLink, MissingSequence, ActionStateMismatch, ContentMismatch, AnchorMismatch or HeadMismatch.</summary>
    public string Problem { get; init; } = "None";
    /// <summary>Sequence number of the first broken entry.</summary>
    public long? BrokenEntry { get; init; }
    public string? BrokenActionId { get; init; }
    public string Message { get; init; } = "";
    public string? HeadHash { get; init; }
    /// <summary>The trail's head as <c>entry:hash</c>: keep it outside the store (a SIEM, the runbook's log) and pass it later
    /// to <c>Test-AirAuditTrail -ExpectedHead</c> to prove nothing was rewritten or cut off since.</summary>
    public string? Head { get; init; }
    public string Store { get; init; } = "";
}
