using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// One thing a run found: a change to make (Planned) or an outcome to report at once (Already, Skipped, Failed). The
/// pipeline journals it under <see cref="Key"/> (a key already in the journal is not added twice), reports final ones,
/// and hands Planned ones to the kind to apply.
/// </summary>
internal sealed record Finding(string Key, string? Target, string? DataJson, ItemState State = ItemState.Planned, string? Reason = null)
{
    /// <summary>The kind's outcome name, the error kind of a Failed finding, and detail for its result object.</summary>
    public ItemOutcome Outcome { get; init; } = ItemOutcome.None;

    /// <summary>When set on a Planned finding of a direct run, ShouldProcess is asked with this target before it is journaled.</summary>
    public string? ConfirmTarget { get; init; }

    /// <summary>The action text of the ShouldProcess question.</summary>
    public string? ConfirmAction { get; init; }

    /// <summary>The journal entry this finding becomes.</summary>
    public NewItem ToNewItem() => new(Key, Target, DataJson, State, Reason);
}
