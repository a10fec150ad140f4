namespace AirRemediation;

/// <summary>How a run of an action ended. Succeeded + AlreadyRemediated + Failed + Skipped = Total, always.</summary>
public sealed class AirRunSummary
{
    public string ActionId { get; init; } = "";
    public string Kind { get; init; } = "";
    public string State { get; init; } = "";
    public long Total { get; init; }
    public long Succeeded { get; init; }
    public long AlreadyRemediated { get; init; }
    public long Failed { get; init; }
    public long Skipped { get; init; }
    public TimeSpan Duration { get; init; }
    public long Requests { get; init; }
    public long Throttled { get; init; }
    public bool LimitReached { get; init; }
    public string? Note { get; init; }

    public override string ToString() => $"{ActionId} {State}: {Succeeded} succeeded, {AlreadyRemediated} already, {Failed} failed, {Skipped} skipped of {Total}";
}
