using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// The one lifecycle every action kind runs through. The entry points decide which action a run works on — a new one, an
/// interrupted run of the same request, an approved or interrupted action by id, or the undo of a finished one — take
/// its lease, and hand it to <see cref="RunLoop"/>, which journals, applies, counts and ends it.
/// </summary>
/// <remarks>
/// <code>
///  direct run ──► same request interrupted? ──yes──► take over (lease) ─┐
///      │ no                                                             │
///      └──► create Running (lease, atomic on the dedupe key) ───────────┤
///  resume / approve by id ──► take over Approved|Cancelled|stale Running ┤
///  undo ──► interrupted undo? take over : create Undo from Done items ──┤
///                                                                       ▼
///       RunLoop: rejected inputs → carry over → open items → units (discover → journal → admit → apply)
///                → Completed | PartiallyCompleted | Failed   (Ctrl+C → Cancelled; lease lost → Conflict)
/// </code>
/// </remarks>
internal static class ActionPipeline
{
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>A direct run (Invoke-AirSoftDelete, Block-AirUrl…): resumes an interrupted run of the same request, else starts a new action.</summary>
    public static async Task<RunSummary> RunAsync(AirSession session, RemediationKind kind, NormalizedRequest input, Confirm? confirm, RunSink sink,
        CancellationToken ct)
    {
        kind.Preflight(session);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var run = new RunContext(session, store, kind, sink, AuditContexts.For(session));
        var work = kind.Open(run, input.Request);
        // Discovery that runs before the action is recorded (message trace, and the lookups it starts) is the run's too.
        using (ServiceCaller.Measure(run.Metrics)) await work.PrepareAsync(ct).ConfigureAwait(false);

        var key = kind.DedupeKey(input.Request);
        var previous = await store.FindByDedupeKeyAsync(key, DateTimeOffset.MinValue, ct).ConfigureAwait(false);
        if (previous is { State: ActionState.Running or ActionState.Cancelled })
        {
            EnsureNotHeldElsewhere(run, previous);
            // The key says "the same request"; the stored parameters must say so too. An action planted with the key of a
            // request an admin is likely to type, but other parameters, is refused rather than resumed.
            await EnsureSameRequestAsync(run, kind, previous, input.Request, ct).ConfigureAwait(false);
            AirLog.Current.Verbose($"Resuming interrupted action {previous.Id} for the same request.");
            await TakeOverAsync(run, previous, ct).ConfigureAwait(false);
            return await RunLoop.ExecuteAsync(run, work, input.Rejected, null, confirm, ct).ConfigureAwait(false);
        }

        await CreateRunningAsync(run, new NewAction
        {
            Kind = kind.Kind,
            DedupeKey = key,
            // Checked atomically with the insert: if another session started the same request after we looked, its
            // action is returned and this run is refused instead of doing everything a second time.
            DedupeSince = previous is null ? DateTimeOffset.MinValue : previous.CreatedAt.AddTicks(1),
            ParametersJson = kind.ToJson(input.Request),
            Summary = kind.Describe(input.Request),
            RelatedActionId = previous?.Id,
        }, ct).ConfigureAwait(false);
        var carryFrom = kind.CarriesOverFinishedRuns ? previous : null;
        return await RunLoop.ExecuteAsync(run, work, input.Rejected, carryFrom, confirm, ct).ConfigureAwait(false);
    }

    /// <summary>Runs an existing action from its journal: Approved (its first run), Cancelled, or Running whose session died.</summary>
    public static async Task<RunSummary> ResumeAsync(AirSession session, RemediationKind kind, ActionRecord action, RunSink sink, CancellationToken ct)
    {
        kind.Preflight(session);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var run = new RunContext(session, store, kind, sink, AuditContexts.For(session));
        // A run stopped with Ctrl+C pinned its journal when it stopped: what resumes is what it left.
        var work = kind.Open(run, await RevalidateAsync(run, kind, action, ct, items: action.State == ActionState.Cancelled).ConfigureAwait(false));
        await EnsureApprovalAsync(run, action, ct).ConfigureAwait(false);
        using (ServiceCaller.Measure(run.Metrics)) await work.PrepareAsync(ct).ConfigureAwait(false);
        await TakeOverAsync(run, action, ct).ConfigureAwait(false);
        return await RunLoop.ExecuteAsync(run, work, [], null, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reverses a finished action: resumes its interrupted undo, or starts one (an action of kind Undo whose items are the
    /// reversals of the original's Done items, race-safe on its dedupe key). When the undo completes, the original is Undone.
    /// </summary>
    public static async Task<RunSummary> UndoAsync(AirSession session, RemediationKind kind, ActionRecord original, RunSink sink, CancellationToken ct)
    {
        kind.Preflight(session);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var run = new RunContext(session, store, kind, sink, AuditContexts.For(session)) { Original = original };
        var key = "Undo:" + original.Id;
        // What undo re-creates comes from the original's items: they must be what its run wrote, and the original what was run.
        await RevalidateAsync(run, kind, original, ct, items: true).ConfigureAwait(false);
        var previous = await store.FindByDedupeKeyAsync(key, DateTimeOffset.MinValue, ct).ConfigureAwait(false);
        if (previous is { State: ActionState.Running or ActionState.Cancelled or ActionState.Approved })
        {
            EnsureNotHeldElsewhere(run, previous);
            if (previous.State == ActionState.Approved)
            {
                // The undo of an approved action, approved in its turn: the approval must still hold, and the original still be undoable.
                EnsureUndoable(original, null);
                await EnsureApprovalAsync(run, previous, ct).ConfigureAwait(false);
            }
            await TakeOverAsync(run, previous, ct).ConfigureAwait(false);
            // An approved undo starts without a journal; a run killed before writing it finds none either.
            if (run.Action!.Counts.Total == 0) await JournalUndoAsync(run, kind, original, ct).ConfigureAwait(false);
        }
        else
        {
            EnsureUndoable(original, previous);
            await CreateRunningAsync(run, new NewAction
            {
                Kind = ActionKind.Undo,
                DedupeKey = key,
                // Atomic with the insert: a concurrent undo of the same action that started after we looked wins.
                DedupeSince = previous is null ? DateTimeOffset.MinValue : previous.CreatedAt.AddTicks(1),
                RelatedActionId = original.Id,
                ParametersJson = original.ParametersJson,
                Summary = kind.UndoSummary(original),
            }, ct).ConfigureAwait(false);
            await JournalUndoAsync(run, kind, original, ct).ConfigureAwait(false);
        }

        var summary = await RunLoop.ExecuteAsync(run, kind.OpenUndo(run), [], null, null, ct).ConfigureAwait(false);
        if (summary.State == ActionState.Completed)
        {
            await store.TryTransitionAsync(original.Id, [ActionState.Completed, ActionState.PartiallyCompleted], ActionState.Undone,
                run.Who with { Reason = $"Undone by action {summary.ActionId}." }, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        return summary;
    }

    private static void EnsureUndoable(ActionRecord original, ActionRecord? previous)
    {
        if (original.State is not (ActionState.Completed or ActionState.PartiallyCompleted))
            throw new AirException(AirErrorKind.InvalidState,
                original.State == ActionState.Undone
                    ? $"Action {original.Id} has already been undone{(previous is null ? "" : $" (by action {previous.Id})")}."
                    : $"Action {original.Id} is {original.State}; only a Completed or PartiallyCompleted action can be undone.", original.Id);
    }

    /// <summary>An Approved action about to run for the first time: its content and its approval must still be what the trail says.</summary>
    private static async Task EnsureApprovalAsync(RunContext run, ActionRecord action, CancellationToken ct)
    {
        try
        {
            await PinCheck.EnsureAsync(run.Store, action, items: false, ct).ConfigureAwait(false);
            await PinCheck.EnsureApprovalHoldsAsync(run.Store, action, ct).ConfigureAwait(false);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Tampered)
        {
            await AuditTamperAsync(run, action, e, ct).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>-WhatIf: what a run would find, unit by unit; reads only, journals nothing.</summary>
    public static async Task PlanAsync(AirSession session, RemediationKind kind, NormalizedRequest input,
        Action<string, IReadOnlyList<object>> onUnit, CancellationToken ct)
    {
        kind.Preflight(session);
        var run = new RunContext(session, null, kind, RunSink.None, AuditContexts.For(session));
        var work = kind.Open(run, input.Request);
        await work.PrepareAsync(ct).ConfigureAwait(false);
        var now = session.Clock.GetUtcNow();
        await foreach (var unit in work.UnitsAsync(ct).ConfigureAwait(false))
        {
            var results = new List<object>();
            await foreach (var f in work.DiscoverAsync(unit, ct).ConfigureAwait(false))
                results.Add(kind.ResultOf(run, new ItemRecord
                {
                    ActionId = "", Seq = 0, Key = f.Key, Target = f.Target, State = f.State, Reason = f.Reason, Attempts = 0,
                    DataJson = f.DataJson, UpdatedAt = now,
                }, f.Outcome));
            onUnit(unit, results);
        }
    }

    /// <summary>The stored request, re-checked; a refusal for tampering is written to the audit trail before it is thrown.</summary>
    private static async Task<ActionRequest> RevalidateAsync(RunContext run, RemediationKind kind, ActionRecord action, CancellationToken ct, bool items = false)
    {
        try
        {
            var request = kind.Revalidate(action, run.Clock.GetUtcNow());
            await PinCheck.EnsureAsync(run.Store, action, items, ct).ConfigureAwait(false);
            return request;
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Tampered)
        {
            await AuditTamperAsync(run, action, e, ct).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task EnsureSameRequestAsync(RunContext run, RemediationKind kind, ActionRecord previous, ActionRequest typed, CancellationToken ct)
    {
        var stored = await RevalidateAsync(run, kind, previous, ct, items: previous.State == ActionState.Cancelled).ConfigureAwait(false);
        if (previous.Kind != kind.Kind || kind.DedupeKey(stored) != kind.DedupeKey(typed))
        {
            var e = RemediationKind.Tampered(previous, "it carries the key of this request but not its parameters");
            await AuditTamperAsync(run, previous, e, ct).ConfigureAwait(false);
            throw e;
        }
    }

    private static Task AuditTamperAsync(RunContext run, ActionRecord action, AirException e, CancellationToken ct) =>
        run.Store.AppendAuditAsync(new AuditEntry(action.Id, "TamperDetected", run.Who with { Reason = e.Message }), ct);

    private static void EnsureNotHeldElsewhere(RunContext run, ActionRecord previous)
    {
        if (previous.State == ActionState.Running && previous.IsLeaseLive(run.Clock.GetUtcNow()) && !LeaseOwner.IsDeadLocalProcess(previous.LeaseOwner))
            throw new AirException(AirErrorKind.Conflict,
                $"The same request is running in another session as action {previous.Id} (lease held by {previous.LeaseOwner} until {previous.LeaseExpiresAt:u}). Wait for it, or resume it with Resume-AirAction -Id {previous.Id} after that session stops.",
                previous.Id);
    }

    /// <summary>Creates the action straight into Running, holding its lease.</summary>
    private static async Task CreateRunningAsync(RunContext run, NewAction action, CancellationToken ct)
    {
        var owner = LeaseOwner.New();
        var created = await run.Store.CreateActionAsync(action with
        {
            InitialState = ActionState.Running,
            ProposedBy = action.ProposedBy ?? run.Who.Actor,
            Lease = new LeaseRequest(owner, LeaseDuration),
        }, run.Who, ct).ConfigureAwait(false);
        if (!created.Created)
        {
            // The store found the same action (same dedupe key) created by another session since we looked: that
            // session holds it and runs it. Running it here as well would do everything twice.
            var other = created.Action;
            throw new AirException(AirErrorKind.Conflict,
                $"The same action was started a moment ago by another session as action {other.Id} ({other.State}, lease held by {other.LeaseOwner ?? "nobody"}). Wait for it, or resume it with Resume-AirAction -Id {other.Id} after that session stops.",
                other.Id);
        }
        run.Action = created.Action;
        run.LeaseOwner = owner;
    }

    /// <summary>Takes over an Approved, Cancelled or abandoned Running action. Refuses while another live session holds it.</summary>
    private static async Task TakeOverAsync(RunContext run, ActionRecord action, CancellationToken ct)
    {
        var owner = LeaseOwner.New();
        var store = run.Store;
        if (action.State == ActionState.Running && action.IsLeaseLive(run.Clock.GetUtcNow()) && LeaseOwner.IsDeadLocalProcess(action.LeaseOwner))
        {
            // The session that held it was killed on this machine: reclaim the lease now rather than in a minute.
            if (await store.ReleaseLeaseAsync(action.Id, action.LeaseOwner!, ct).ConfigureAwait(false))
            {
                await store.AppendAuditAsync(new AuditEntry(action.Id, "LeaseReclaimed",
                    run.Who with { Reason = $"The process holding the lease ({action.LeaseOwner}) no longer exists on this machine." }), ct).ConfigureAwait(false);
                LeaseOwner.Forget(action.LeaseOwner);
            }
        }
        var result = await store.TryTransitionAsync(action.Id, [ActionState.Approved, ActionState.Cancelled, ActionState.Running], ActionState.Running,
            run.Who with { Event = action.State == ActionState.Approved ? null : "Resumed" },
            new ActionChanges { Lease = new LeaseRequest(owner, LeaseDuration) }, ct).ConfigureAwait(false);
        run.Action = result.EnsureSucceeded();
        run.LeaseOwner = owner;
    }

    /// <summary>The undo's journal: one item per Done item of the original that its kind can reverse.</summary>
    private static async Task JournalUndoAsync(RunContext run, RemediationKind kind, ActionRecord original, CancellationToken ct)
    {
        var batch = new List<NewItem>(500);
        await foreach (var item in run.Store.GetItemsAsync(original.Id, new ItemQuery { States = [ItemState.Done] }, ct).ConfigureAwait(false))
        {
            if (kind.UndoOf(item) is { } undo) batch.Add(undo);
            if (batch.Count == 500)
            {
                await run.AddItemsAsync(batch, ct).ConfigureAwait(false);
                batch.Clear();
            }
        }
        if (batch.Count > 0) await run.AddItemsAsync(batch, ct).ConfigureAwait(false);
    }
}
