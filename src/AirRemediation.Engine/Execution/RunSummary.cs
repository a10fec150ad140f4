using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Execution;

/// <summary>How a run ended. Succeeded + Already + Failed + Skipped always equals Total.</summary>
public sealed record RunSummary
{
    public required string ActionId { get; init; }
    public required ActionKind Kind { get; init; }
    public required ActionState State { get; init; }
    public long Total { get; init; }
    public long Succeeded { get; init; }
    public long Already { get; init; }
    public long Failed { get; init; }
    public long Skipped { get; init; }
    public TimeSpan Duration { get; init; }
    public long Requests { get; init; }
    public long Throttled { get; init; }
    public bool LimitReached { get; init; }
    public string? Note { get; init; }

    public static RunSummary From(ActionRecord action, ItemCounts counts, TimeSpan duration, ExecutionMetrics? metrics, bool limitReached = false, string? note = null) => new()
    {
        ActionId = action.Id,
        Kind = action.Kind,
        State = action.State,
        // Items still Planned/InProgress (a cancelled run) are reported as skipped: not done, not failed, resumable.
        Total = counts.Total,
        Succeeded = counts.Done,
        Already = counts.Already,
        Failed = counts.Failed,
        Skipped = counts.Skipped + counts.Planned + counts.InProgress,
        Duration = duration,
        Requests = metrics?.Requests ?? 0,
        Throttled = metrics?.Throttled ?? 0,
        LimitReached = limitReached,
        Note = note,
    };
}
