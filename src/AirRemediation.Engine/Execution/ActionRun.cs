using System.Diagnostics;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// One execution of one action: holds its lease (renewed in the background, so a second session refuses to run it
/// while this one lives, and can resume it once this one dies), and ends it in the right state. Cancelled by Ctrl+C,
/// it records Cancelled so the action can be resumed.
/// </summary>
internal sealed class ActionRun : IAsyncDisposable
{
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource leaseLost = new();
    private readonly Task heartbeat;
    private readonly CancellationTokenSource stopHeartbeat = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private ActionRun(IActionStore store, ActionRecord action, string owner, AuditContext who)
    {
        Store = store;
        Action = action;
        Owner = owner;
        Who = who;
        heartbeat = Task.Run(HeartbeatAsync);
    }

    public IActionStore Store { get; }
    public ActionRecord Action { get; private set; }
    public string Owner { get; }
    public AuditContext Who { get; }
    public string Id => Action.Id;
    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>Cancelled if another session took the action over; workers stop.</summary>
    public CancellationToken LeaseLost => leaseLost.Token;

    public static string NewOwner() => LeaseOwner.New();

    public static AuditContext WhoFor(AirSession session, string? reason = null) =>
        new(session.Identity, session.IsUser ? ActorKind.User : ActorKind.App,
            $"{session.Method}; tenant {session.TenantId}; client {session.ClientId ?? "n/a"}", reason);

    /// <summary>Creates a new action straight into Running, holding its lease.</summary>
    public static async Task<ActionRun> StartNewAsync(IActionStore store, NewAction action, AuditContext who, CancellationToken ct)
    {
        var owner = NewOwner();
        var created = await store.CreateActionAsync(action with
        {
            InitialState = ActionState.Running,
            ProposedBy = action.ProposedBy ?? who.Actor,
            Lease = new LeaseRequest(owner, LeaseDuration),
        }, who, ct).ConfigureAwait(false);
        if (!created.Created)
        {
            // The store found the same action (same dedupe or evidence key) created by another session since the
            // caller looked: that session holds it and runs it. Running it here as well would do everything twice.
            var other = created.Action;
            throw new AirException(AirErrorKind.Conflict,
                $"The same action was started a moment ago by another session as action {other.Id} ({other.State}, lease held by {other.LeaseOwner ?? "nobody"}). Wait for it, or resume it with Resume-AirAction -Id {other.Id} after that session stops.",
                other.Id);
        }
        return new ActionRun(store, created.Action, owner, who);
    }

    /// <summary>
    /// Runs a direct request as its own action, keyed by <paramref name="action"/>'s DedupeKey: when the same request was
    /// interrupted (Cancelled, or Running with a dead session's lease), it is resumed instead — so re-running the same
    /// command after Ctrl+C or a kill finishes the work rather than starting it again. A live run of the same request in
    /// another session is refused; a finished one starts a new action.
    /// </summary>
    public static async Task<(ActionRun Run, bool Resumed)> StartOrResumeAsync(IActionStore store, NewAction action, AuditContext who, CancellationToken ct)
    {
        var key = action.DedupeKey ?? throw new ArgumentException("A direct run needs a dedupe key.", nameof(action));
        var previous = await store.FindByDedupeKeyAsync(key, DateTimeOffset.MinValue, ct).ConfigureAwait(false);
        if (previous is not null && previous.State is ActionState.Running or ActionState.Cancelled)
        {
            if (previous.State == ActionState.Running && previous.IsLeaseLive(store.Clock.GetUtcNow()) && !LeaseOwner.IsDeadLocalProcess(previous.LeaseOwner))
                throw new AirException(AirErrorKind.Conflict,
                    $"The same request is running in another session as action {previous.Id} (lease held by {previous.LeaseOwner} until {previous.LeaseExpiresAt:u}). Wait for it, or resume it with Resume-AirAction -Id {previous.Id} after that session stops.",
                    previous.Id);
            return (await ResumeAsync(store, previous.Id, who, ct).ConfigureAwait(false), true);
        }
        var run = await StartNewAsync(store, action with
        {
            // Atomic with the insert: a run of the same request started by another session after we looked wins.
            DedupeSince = previous is null ? DateTimeOffset.MinValue : previous.CreatedAt.AddTicks(1),
            RelatedActionId = action.RelatedActionId ?? previous?.Id,
        }, who, ct).ConfigureAwait(false);
        return (run, false);
    }

    /// <summary>
    /// Takes over an existing action to run it: Approved (first run after approval), Cancelled, or Running whose
    /// session died (stale lease). Refuses while another live session holds it.
    /// </summary>
    public static async Task<ActionRun> ResumeAsync(IActionStore store, string actionId, AuditContext who, CancellationToken ct)
    {
        var owner = NewOwner();
        var action = await store.GetActionAsync(actionId, ct).ConfigureAwait(false)
            ?? throw new AirException(AirErrorKind.NotFound, $"No action with id {actionId} exists in the action store.", actionId);
        if (action.State == ActionState.Running && action.IsLeaseLive(store.Clock.GetUtcNow()) && LeaseOwner.IsDeadLocalProcess(action.LeaseOwner))
        {
            // The session that held it was killed on this machine: reclaim the lease now rather than in a minute.
            if (await store.ReleaseLeaseAsync(actionId, action.LeaseOwner!, ct).ConfigureAwait(false))
                await store.AppendAuditAsync(new AuditEntry(actionId, "LeaseReclaimed",
                    who with { Reason = $"The process holding the lease ({action.LeaseOwner}) no longer exists on this machine." }), ct).ConfigureAwait(false);
        }
        var result = await store.TryTransitionAsync(actionId, [ActionState.Approved, ActionState.Cancelled, ActionState.Running], ActionState.Running,
            who with { Event = action.State == ActionState.Approved ? null : "Resumed" },
            new ActionChanges { Lease = new LeaseRequest(owner, LeaseDuration) }, ct).ConfigureAwait(false);
        return new ActionRun(store, result.EnsureSucceeded(), owner, who);
    }

    /// <summary>Ends the run: Completed, PartiallyCompleted or Failed from the item counts.</summary>
    public async Task<(ActionRecord Action, ItemCounts Counts)> CompleteAsync(string? summary, CancellationToken ct)
    {
        var counts = await Store.GetItemCountsAsync(Id, ct).ConfigureAwait(false);
        var open = counts.Planned + counts.InProgress;
        if (open > 0)
            throw new InvalidOperationException($"Action {Id} still has {open} unfinished items; it cannot be completed.");
        var to = counts.Failed == 0 ? ActionState.Completed
            : counts.Done + counts.Already + counts.Skipped > 0 ? ActionState.PartiallyCompleted
            : ActionState.Failed;
        var r = await Store.TryTransitionAsync(Id, [ActionState.Running], to, Who,
            new ActionChanges { Summary = summary, ExpectedLeaseOwner = Owner }, ct).ConfigureAwait(false);
        Action = r.EnsureSucceeded();
        return (Action, counts);
    }

    /// <summary>Records that the run was stopped by the user; the action stays resumable.</summary>
    public async Task<(ActionRecord Action, ItemCounts Counts)> CancelAsync()
    {
        // The caller's token is already cancelled; this bookkeeping gets a few seconds of its own.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var r = await Store.TryTransitionAsync(Id, [ActionState.Running], ActionState.Cancelled, Who with { Reason = "Stopped by the user (Ctrl+C)." },
            new ActionChanges { ExpectedLeaseOwner = Owner }, cts.Token).ConfigureAwait(false);
        if (r.Succeeded) Action = r.Action!;
        var counts = await Store.GetItemCountsAsync(Id, cts.Token).ConfigureAwait(false);
        return (Action, counts);
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(RenewEvery, stopHeartbeat.Token).ConfigureAwait(false);
                var r = await Store.RenewLeaseAsync(Id, Owner, LeaseDuration, stopHeartbeat.Token).ConfigureAwait(false);
                if (!r.Acquired)
                {
                    AirLog.Current.Warning($"Action {Id} was taken over by another session; this session stops working on it.");
                    await leaseLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (AirException e)
        {
            AirLog.Current.Warning($"Could not renew the lease of action {Id}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopHeartbeat.CancelAsync().ConfigureAwait(false);
        try { await heartbeat.ConfigureAwait(false); } catch (OperationCanceledException) { }
        stopHeartbeat.Dispose();
        leaseLost.Dispose();
    }
}
