namespace AirRemediation.Engine.Actions;

/// <summary>An action someone wants approved: its kind, its request (as its kind stores it), and why.</summary>
public sealed record NewProposal
{
    public required ActionKind Kind { get; init; }
    public required string ParametersJson { get; init; }
    public required string DedupeKey { get; init; }
    public required string Summary { get; init; }
    public string? InvestigationId { get; init; }
    public string? EvidenceKey { get; init; }
    /// <summary>Who proposes: the signed-in identity for New-AirAction, Defender for synced evidence.</summary>
    public string? ProposedBy { get; init; }
    public string? Reason { get; init; }
}
