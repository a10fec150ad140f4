namespace AirRemediation;

/// <summary>A Defender alert with its automated investigation state and evidence.</summary>
public sealed class AirInvestigation
{
    public string AlertId { get; init; } = "";
    /// <summary>Same as AlertId, so investigations pipe into cmdlets that take -InvestigationId.</summary>
    public string InvestigationId => AlertId;
    public string? IncidentId { get; init; }
    public string? Title { get; init; }
    public string? Severity { get; init; }
    public string? Status { get; init; }
    public string? InvestigationState { get; init; }
    public string? ServiceSource { get; init; }
    public DateTimeOffset? CreatedDateTime { get; init; }
    public int PendingEvidence { get; init; }
    public AirEvidence[] Evidence { get; init; } = [];
    public string? AlertWebUrl { get; init; }

    public override string ToString() => $"{AlertId} {Title}";
}
