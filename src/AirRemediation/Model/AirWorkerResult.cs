namespace AirRemediation;

/// <summary>What Invoke-AirApprovedAction did with one approved action: Ran (see State), Refused, Skipped or Failed, and why.</summary>
public sealed class AirWorkerResult
{
    public string ActionId { get; init; } = "";
    public string Kind { get; init; } = "";
    /// <summary>Ran, Refused (the approval did not hold; audited, left Approved), Skipped (another worker holds it) or Failed.</summary>
    public string Outcome { get; init; } = "";
    /// <summary>The action's state after this worker looked at it.</summary>
    public string State { get; init; } = "";
    public string? Reason { get; init; }
    /// <summary>How the run ended, when it ran.</summary>
    public AirRunSummary? Summary { get; init; }

    public override string ToString() => $"{ActionId} {Outcome} ({State}){(Reason is null ? "" : ": " + Reason)}";
}
