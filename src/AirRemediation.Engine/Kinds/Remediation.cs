using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Store;

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
    public static async Task<RunSummary> RunAsync(AirSession session, NormalizedRequest request, Confirm? confirm, RunSink sink, CancellationToken ct)
    {
        var kind = KindRegistry.For(request.Kind);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        if (await kind.ReversesApprovedAsync(store, request.Request, ct).ConfigureAwait(false) is { } approved)
            return await ProposeReversalAsync(session, store, kind, request, approved, ct).ConfigureAwait(false);
        return await RunDirectAsync(session, request, confirm, sink, ct).ConfigureAwait(false);
    }

    private static Task<RunSummary> RunDirectAsync(AirSession session, NormalizedRequest request, Confirm? confirm, RunSink sink, CancellationToken ct) =>
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

    /// <summary>
    /// Reverses a completed action from its recorded before-state. An action that ran on a second person's approval is
    /// undone on a second person's approval too: the first request proposes the undo (returned Pending, nothing
    /// changed), and it runs once someone other than the requester approves it.
    /// </summary>
    public static async Task<RunSummary> UndoAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var original = await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false);
        if (original.Kind == ActionKind.Undo)
            throw new AirException(AirErrorKind.InvalidInput, $"Action {original.Id} is itself an undo (of {original.RelatedActionId}); it cannot be undone.", original.Id);
        var kind = KindRegistry.For(original.Kind);
        if (original.ApprovedBy is not null || original.ApproverId is not null)
        {
            var undo = await store.FindByDedupeKeyAsync(UndoKey(original), DateTimeOffset.MinValue, ct).ConfigureAwait(false);
            if (undo is { State: ActionState.Pending })
                throw new AirException(AirErrorKind.InvalidState,
                    $"The undo of action {original.Id} is waiting for approval as action {undo.Id}: Approve-AirAction -Id {undo.Id} (by someone other than {undo.ProposedBy}).", undo.Id);
            if (undo is null || undo.State is ActionState.Denied or ActionState.Expired)
                return await ProposeUndoAsync(session, store, kind, original, undo, ct).ConfigureAwait(false);
        }
        return await ActionPipeline.UndoAsync(session, kind, original, sink, ct).ConfigureAwait(false);
    }

    internal static string UndoKey(ActionRecord original) => "Undo:" + original.Id;

    /// <summary>A direct request that would reverse an approved action, proposed for approval instead of run (nothing changes now).</summary>
    private static async Task<RunSummary> ProposeReversalAsync(AirSession session, IActionStore store, RemediationKind kind, NormalizedRequest request,
        ActionRecord approved, CancellationToken ct)
    {
        var proposal = kind.Propose(request);
        var now = store.Clock.GetUtcNow();
        var created = await store.CreateActionAsync(new NewAction
        {
            Kind = proposal.Kind,
            InitialState = ActionState.Pending,
            ExpiresAt = now + ActionStateMachine.PendingLifetime,
            DedupeKey = proposal.DedupeKey,
            // The same request again within the hour returns the waiting proposal instead of queueing a second one.
            DedupeSince = now - TimeSpan.FromHours(1),
            ParametersJson = proposal.ParametersJson,
            Summary = proposal.Summary,
            RelatedActionId = approved.Id,
        }, AuditContexts.For(session, $"Reverses action {approved.Id}, which ran on {approved.ApprovedBy}'s approval: it needs an approval too."), ct).ConfigureAwait(false);
        var proposed = created.Action;
        AirLog.Current.Warning(
            $"This would reverse action {approved.Id}, which ran on a second person's approval, so it needs one too: {(created.Created ? "proposed" : "already waiting")} as action {proposed.Id}. Someone other than {proposed.ProposedBy} runs it with Approve-AirAction -Id {proposed.Id}.");
        return new RunSummary
        {
            ActionId = proposed.Id,
            Kind = proposed.Kind,
            State = proposed.State,
            Note = $"Awaiting approval: Approve-AirAction -Id {proposed.Id}",
        };
    }

    private static async Task<RunSummary> ProposeUndoAsync(AirSession session, IActionStore store, RemediationKind kind, ActionRecord original,
        ActionRecord? earlier, CancellationToken ct)
    {
        if (original.State is not (ActionState.Completed or ActionState.PartiallyCompleted))
            throw new AirException(AirErrorKind.InvalidState,
                $"Action {original.Id} is {original.State}; only a Completed or PartiallyCompleted action can be undone.", original.Id);
        try
        {
            // What the undo would re-create is checked now, so nobody is asked to approve an undo of changed data.
            kind.Revalidate(original, store.Clock.GetUtcNow());
            await PinCheck.EnsureAsync(store, original, items: true, ct).ConfigureAwait(false);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Tampered)
        {
            await store.AppendAuditAsync(new AuditEntry(original.Id, "TamperDetected", AuditContexts.For(session, e.Message)), ct).ConfigureAwait(false);
            throw;
        }
        var who = AuditContexts.For(session, $"Undo of {original.Id}, which ran on {original.ApprovedBy}'s approval: it needs an approval too.");
        var created = await store.CreateActionAsync(new NewAction
        {
            Kind = ActionKind.Undo,
            InitialState = ActionState.Pending,
            ExpiresAt = store.Clock.GetUtcNow() + ActionStateMachine.PendingLifetime,
            InvestigationId = original.InvestigationId,
            DedupeKey = UndoKey(original),
            // Atomic with the insert: a concurrent request for the same undo returns that one instead of a second proposal.
            DedupeSince = earlier is null ? DateTimeOffset.MinValue : earlier.CreatedAt.AddTicks(1),
            RelatedActionId = original.Id,
            ParametersJson = original.ParametersJson,
            Summary = kind.UndoSummary(original),
        }, who, ct).ConfigureAwait(false);
        var proposed = created.Action;
        AirLog.Current.Warning(
            $"Action {original.Id} ran on a second person's approval, so undoing it needs one too: proposed as action {proposed.Id}. Someone other than {session.Identity} runs it with Approve-AirAction -Id {proposed.Id}.");
        return new RunSummary
        {
            ActionId = proposed.Id,
            Kind = ActionKind.Undo,
            State = proposed.State,
            Note = $"Awaiting approval: Approve-AirAction -Id {proposed.Id}",
        };
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
