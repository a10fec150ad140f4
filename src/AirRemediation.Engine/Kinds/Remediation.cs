using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;

namespace AirRemediation.Engine.Kinds;

/// <summary>
/// The entry points the cmdlets call, for every kind alike: check a request, run it, plan it (-WhatIf), resume an action
/// and undo one. Which kind does the work comes from the request (or the stored action) through <see cref="KindRegistry"/>.
/// </summary>
public static class Remediation
{
    /// <summary>Checks a request as typed: normalised inputs, the inputs that can never succeed, duplicates dropped.</summary>
    public static NormalizedRequest Normalize(AirSession session, ActionRequest request) =>
        KindRegistry.For(request.Kind).Normalize(request, session.Clock.GetUtcNow());

    /// <summary>One line describing the request, for prompts.</summary>
    public static string Describe(NormalizedRequest request) => KindRegistry.For(request.Kind).Describe(request.Request);

    /// <summary>
    /// Runs a request directly (no approval step), journaled. If the same request was interrupted, its action is resumed
    /// instead; <paramref name="confirm"/> (ShouldProcess) is asked before each change a kind confirms one by one.
    /// </summary>
    public static Task<RunSummary> RunAsync(AirSession session, NormalizedRequest request, Confirm? confirm, RunSink sink, CancellationToken ct) =>
        ActionPipeline.RunAsync(session, KindRegistry.For(request.Kind), request, confirm, sink, ct);

    /// <summary>-WhatIf: what a run would find, unit by unit (mailbox, list), as the kind's result objects; reads only.</summary>
    public static Task PlanAsync(AirSession session, NormalizedRequest request, Action<string, IReadOnlyList<object>> onUnit, CancellationToken ct) =>
        ActionPipeline.PlanAsync(session, KindRegistry.For(request.Kind), request, onUnit, ct);

    /// <summary>Finishes an interrupted (or approved) action from its journal, without repeating a side effect.</summary>
    public static async Task<RunSummary> ResumeAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await ResumeAsync(session, await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false), sink, ct).ConfigureAwait(false);
    }

    /// <summary>Runs an action already loaded (the approve path passes the action it just approved).</summary>
    internal static async Task<RunSummary> ResumeAsync(AirSession session, ActionRecord action, RunSink sink, CancellationToken ct)
    {
        if (action.Kind != ActionKind.Undo)
            return await ActionPipeline.ResumeAsync(session, KindRegistry.For(action.Kind), action, sink, ct).ConfigureAwait(false);
        // An interrupted undo: finished by undoing its original again, which takes this undo action over.
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var original = action.RelatedActionId is { } related
            ? await store.GetActionAsync(related, ct).ConfigureAwait(false) ?? throw ActionLookup.NotFound(store, related)
            : throw new AirException(AirErrorKind.InvalidInput, $"Action {action.Id} is an undo that names no original action.", action.Id);
        return await ActionPipeline.UndoAsync(session, KindRegistry.For(original.Kind), original, sink, ct).ConfigureAwait(false);
    }

    /// <summary>Reverses a completed action from its recorded before-state.</summary>
    public static async Task<RunSummary> UndoAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var original = await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false);
        if (original.Kind == ActionKind.Undo)
            throw new AirException(AirErrorKind.InvalidInput, $"Action {original.Id} is itself an undo (of {original.RelatedActionId}); it cannot be undone.", original.Id);
        return await ActionPipeline.UndoAsync(session, KindRegistry.For(original.Kind), original, sink, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Mailboxes the newest actions acted on, starting with <paramref name="prefix"/>, newest first, each with the action
    /// that saw it (tab completion). Reads at most <paramref name="actions"/> actions and <paramref name="items"/> items.
    /// </summary>
    public static async Task<IReadOnlyList<(string Mailbox, ActionRecord SeenIn)>> RecentMailboxesAsync(AirSession session, string prefix,
        int actions, int items, int results, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var found = new List<(string, ActionRecord)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var read = 0;
        await foreach (var a in store.QueryActionsAsync(new Store.ActionQuery { Limit = actions }, ct).ConfigureAwait(false))
        {
            var kind = KindRegistry.All.FirstOrDefault(k => k.Kind == a.Kind);
            if (kind is null) continue;
            await foreach (var item in store.GetItemsAsync(a.Id, new Store.ItemQuery { PageSize = 500 }, ct).ConfigureAwait(false))
            {
                if (++read > items || found.Count >= results) return found;
                if (kind.MailboxOf(item) is { } mailbox && mailbox.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && seen.Add(mailbox))
                    found.Add((mailbox, a));
            }
        }
        return found;
    }
}
