namespace AirRemediation.Engine.Investigations;

/// <summary>A Defender alert (and its automated investigation) as the module presents it.</summary>
public sealed record Investigation
{
    public required string AlertId { get; init; }
    public string? IncidentId { get; init; }
    public string? Title { get; init; }
    public string? Severity { get; init; }
    public string? Status { get; init; }
    public string? InvestigationState { get; init; }
    public string? ServiceSource { get; init; }
    public string? DetectionSource { get; init; }
    public DateTimeOffset? CreatedDateTime { get; init; }
    public string? AlertWebUrl { get; init; }
    public IReadOnlyList<EvidenceInfo> Evidence { get; init; } = [];

    public bool IsPendingApproval => string.Equals(InvestigationState, "pendingApproval", StringComparison.OrdinalIgnoreCase);
}
