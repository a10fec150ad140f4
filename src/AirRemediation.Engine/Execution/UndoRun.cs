using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// What every kind's undo shares: find the original, refuse what cannot be undone, resume an interrupted undo or
/// start a new one (an action of kind Undo, RelatedActionId = the original, race-safe on its dedupe key) whose items
/// are built from the original's Done items, and mark the original Undone once the undo completed.
/// </summary>
internal static class UndoRun
{
    /// <summary>The original action, checked to be one of <paramref name="kinds"/>.</summary>
    public static async Task<ActionRecord> LoadOriginalAsync(IActionStore store, string actionId, ActionKind[] kinds, string what, CancellationToken ct)
    {
        var original = await store.GetActionAsync(actionId, ct).ConfigureAwait(false)
            ?? throw new AirException(AirErrorKind.NotFound, $"No action with id {actionId} exists in the action store.", actionId);
        if (!kinds.Contains(original.Kind))
            throw new AirException(AirErrorKind.InvalidInput, $"Action {actionId} is a {original.Kind} action, not {what}.", actionId);
        return original;
    }

    /// <summary>
    /// The undo run to work on: the interrupted one if there is one, else a new one holding one item per Done item of
    /// the original that <paramref name="toUndoItem"/> turns into something to reverse (null skips it).
    /// </summary>
    public static async Task<ActionRun> StartOrResumeAsync(IActionStore store, ActionRecord original, string summary,
        Func<ItemRecord, NewItem?> toUndoItem, AuditContext who, CancellationToken ct)
    {
        var key = "Undo:" + original.Id;
        var previous = await store.FindByDedupeKeyAsync(key, DateTimeOffset.MinValue, ct).ConfigureAwait(false);
        if (previous is not null && previous.State is ActionState.Running or ActionState.Cancelled)
            return await ActionRun.ResumeAsync(store, previous.Id, who, ct).ConfigureAwait(false);

        if (original.State is not (ActionState.Completed or ActionState.PartiallyCompleted))
            throw new AirException(AirErrorKind.InvalidState,
                original.State == ActionState.Undone
                    ? $"Action {original.Id} has already been undone{(previous is null ? "" : $" (by action {previous.Id})")}."
                    : $"Action {original.Id} is {original.State}; only a Completed or PartiallyCompleted action can be undone.", original.Id);
        var run = await ActionRun.StartNewAsync(store, new NewAction
        {
            Kind = ActionKind.Undo,
            DedupeKey = key,
            // Atomic with the insert: a concurrent undo of the same action that started after we looked wins.
            DedupeSince = previous is null ? DateTimeOffset.MinValue : previous.CreatedAt.AddTicks(1),
            RelatedActionId = original.Id,
            ParametersJson = original.ParametersJson,
            Summary = summary,
        }, who, ct).ConfigureAwait(false);
        var batch = new List<NewItem>(500);
        await foreach (var item in store.GetItemsAsync(original.Id, new ItemQuery { States = [ItemState.Done] }, ct).ConfigureAwait(false))
        {
            if (toUndoItem(item) is { } undo) batch.Add(undo);
            if (batch.Count == 500)
            {
                await store.AddItemsAsync(run.Id, batch, ct).ConfigureAwait(false);
                batch.Clear();
            }
        }
        if (batch.Count > 0) await store.AddItemsAsync(run.Id, batch, ct).ConfigureAwait(false);
        return run;
    }

    /// <summary>Marks the original Undone when its undo completed without failures.</summary>
    public static async Task MarkUndoneAsync(IActionStore store, ActionRecord original, RunSummary undo, AuditContext who)
    {
        if (undo.State != ActionState.Completed) return;
        await store.TryTransitionAsync(original.Id, [ActionState.Completed, ActionState.PartiallyCompleted], ActionState.Undone,
            who with { Reason = $"Undone by action {undo.ActionId}." }, cancellationToken: CancellationToken.None).ConfigureAwait(false);
    }
}
