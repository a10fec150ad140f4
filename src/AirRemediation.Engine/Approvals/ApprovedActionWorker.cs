using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>What the worker did with one action.</summary>
public enum WorkerOutcome
{
    /// <summary>The approval held and the action ran to an end (see its state).</summary>
    Ran,
    /// <summary>The approval did not hold; audited, the action stays Approved.</summary>
    Refused,
    /// <summary>Another worker holds it (its lease is live); nothing was done here.</summary>
    Skipped,
    /// <summary>Running it failed (the error is the reason); the action can be resumed.</summary>
    Failed,
}

/// <summary>One action a worker pass looked at.</summary>
public sealed record WorkerResult(string ActionId, ActionKind Kind, WorkerOutcome Outcome, ActionState State, string? Reason, RunSummary? Summary);

/// <summary>
/// The worker behind <c>Invoke-AirApprovedAction</c>: signed in as the store policy's executor app, it picks approved
/// actions (and approved actions whose run was interrupted), verifies each approval again — the approver exists in this
/// tenant and holds an approving role now (Microsoft Graph), is not the proposer, the content is what was approved
/// (pins), it was approved before it expired — and runs it through the same pipeline as every other run. A refused
/// approval is audited once per worker and the action left Approved. Leases keep two workers off one action.
/// </summary>
public sealed class ApprovedActionWorker
{
    private readonly AirSession session;
    private readonly HashSet<string> refusedHere = new(StringComparer.OrdinalIgnoreCase);

    public ApprovedActionWorker(AirSession session) => this.session = session;

    /// <summary>Refuses to start unless this session is the application the store's policy names as executor.</summary>
    public async Task EnsureExecutorAsync(CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var policy = await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
        var p = session.Principal;
        if (policy.ExecutorAppId is null)
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"The store {store.Location} names no executor app, so approving runs actions in the approver's session and there is nothing for a worker to do. A Security Administrator sets one with Set-AirApprovalPolicy -ExecutorAppId <app id>.");
        if (p.IsUser || !string.Equals(p.AppId, policy.ExecutorAppId, StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"Only the executor app {policy.ExecutorAppId} runs approved actions of {store.Location}; this session is {(p.IsUser ? "the user " + p.DisplayName : $"the application {p.DisplayName} ({p.AppId})")}. Connect with the executor's managed identity, certificate or secret.");
    }

    /// <summary>One pass over the queue: every approved (or interrupted approved) action, oldest first.</summary>
    public async Task<IReadOnlyList<WorkerResult>> RunOnceAsync(RunSink sink, Action<WorkerResult>? onResult, CancellationToken ct)
    {
        await EnsureExecutorAsync(ct).ConfigureAwait(false);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var policy = await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
        var now = store.Clock.GetUtcNow();
        var due = new List<ActionRecord>();
        await foreach (var a in store.QueryActionsAsync(new ActionQuery { States = [ActionState.Approved, ActionState.Running, ActionState.Cancelled] }, ct).ConfigureAwait(false))
        {
            if (IsDue(a, now)) due.Add(a);
        }
        var results = new List<WorkerResult>();
        foreach (var action in due.OrderBy(a => a.DecidedAt ?? a.CreatedAt))
        {
            ct.ThrowIfCancellationRequested();
            var r = await RunOneAsync(store, policy, action, sink, ct).ConfigureAwait(false);
            results.Add(r);
            onResult?.Invoke(r);
        }
        return results;
    }

    /// <summary>
    /// Passes until <paramref name="ct"/> is cancelled (Ctrl+C, SIGTERM), waiting <paramref name="pollInterval"/> on the
    /// session's clock between them. An action interrupted by the stop is Cancelled and resumed by the next pass or worker.
    /// </summary>
    public async Task RunContinuousAsync(TimeSpan pollInterval, RunSink sink, Action<WorkerResult>? onResult, Action<int>? onPass, CancellationToken ct)
    {
        if (pollInterval <= TimeSpan.Zero)
            throw new AirException(AirErrorKind.InvalidInput, "-PollInterval must be longer than zero.");
        await EnsureExecutorAsync(ct).ConfigureAwait(false);
        var pass = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(sink, onResult, ct).ConfigureAwait(false);
                onPass?.Invoke(++pass);
                await Task.Delay(pollInterval, session.Clock, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (AirException e) when (e.Kind == AirErrorKind.Cancelled && ct.IsCancellationRequested)
            {
                return;
            }
            catch (AirException e) when (e.Kind is AirErrorKind.ServiceError or AirErrorKind.Throttled or AirErrorKind.EndpointUnreachable or AirErrorKind.StoreUnavailable)
            {
                // A service that keeps working must outlive an outage: say so, and try again after the interval.
                AirLog.Current.Warning($"This worker pass stopped early and is retried in {pollInterval}: {e.Message}");
                try
                {
                    await Task.Delay(pollInterval, session.Clock, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task<WorkerResult> RunOneAsync(IActionStore store, ApprovalPolicy policy, ActionRecord listed, RunSink sink, CancellationToken ct)
    {
        // The list is a snapshot: another worker may have run or taken this action since. Decide on it as it is now.
        if (await store.GetActionAsync(listed.Id, ct).ConfigureAwait(false) is not { } action || !IsDue(action, store.Clock.GetUtcNow()))
            return TakenElsewhere(listed);
        string? refusal;
        try
        {
            refusal = await RefusalAsync(store, policy, action, ct).ConfigureAwait(false);
        }
        catch (AirException e) when (e.Kind is AirErrorKind.ServiceError or AirErrorKind.Throttled or AirErrorKind.EndpointUnreachable)
        {
            // Graph could not answer now: nothing is decided, the next pass asks again.
            return new WorkerResult(action.Id, action.Kind, WorkerOutcome.Failed, action.State, "The approval could not be verified now: " + e.Message, null);
        }
        if (refusal is not null)
        {
            if (refusedHere.Add(action.Id + "|" + refusal))
                await store.AppendAuditAsync(new AuditEntry(action.Id, ExecutorHandoff.RefusedEvent, AuditContexts.For(session, refusal)), ct).ConfigureAwait(false);
            AirLog.Current.Warning($"Action {action.Id} ({action.Kind}) was not run: {refusal} It stays {action.State}.");
            return new WorkerResult(action.Id, action.Kind, WorkerOutcome.Refused, action.State, refusal, null);
        }
        try
        {
            var summary = await Remediation.ResumeAsync(session, action, sink, ct).ConfigureAwait(false);
            await AlertClosing.ResolveIfRequestedAsync(session, action.Id, summary, ct).ConfigureAwait(false);
            if (action.InvestigationId is not null)
                await DecisionService.CommentAsync(session, action.InvestigationId,
                    $"AirRemediation: action {action.Id} ({action.Kind}) approved by {action.ApprovedBy}, run by the worker {session.Identity}; " +
                    $"{summary.State}: {summary.Succeeded} succeeded, {summary.Already} already remediated, {summary.Failed} failed, {summary.Skipped} skipped of {summary.Total}." +
                    await DecisionService.HeadNoteAsync(store, action.Id, ct).ConfigureAwait(false),
                    ct).ConfigureAwait(false);
            return new WorkerResult(action.Id, action.Kind, WorkerOutcome.Ran, summary.State, summary.Note, summary);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Conflict)
        {
            return new WorkerResult(action.Id, action.Kind, WorkerOutcome.Skipped, action.State, e.Message, null);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.InvalidState)
        {
            // Another worker took it between our read and our takeover, and may already have finished it.
            var now = await store.GetActionAsync(action.Id, CancellationToken.None).ConfigureAwait(false);
            return now is not null && !IsDue(now, store.Clock.GetUtcNow())
                ? TakenElsewhere(now)
                : new WorkerResult(action.Id, action.Kind, WorkerOutcome.Failed, now?.State ?? action.State, e.Message, null);
        }
        catch (AirException e) when (e.Kind is AirErrorKind.Tampered or AirErrorKind.ApprovalRefused or AirErrorKind.Expired)
        {
            // The pipeline's own checks (pins, the approval in the trail) refused it and audited the tampering itself.
            if (refusedHere.Add(action.Id + "|" + e.Message) && e.Kind != AirErrorKind.Tampered)
                await store.AppendAuditAsync(new AuditEntry(action.Id, ExecutorHandoff.RefusedEvent, AuditContexts.For(session, e.Message)), ct).ConfigureAwait(false);
            return new WorkerResult(action.Id, action.Kind, WorkerOutcome.Refused, action.State, e.Message, null);
        }
        catch (AirException e) when (e.Kind != AirErrorKind.Cancelled)
        {
            var now = await store.GetActionAsync(action.Id, CancellationToken.None).ConfigureAwait(false);
            return new WorkerResult(action.Id, action.Kind, WorkerOutcome.Failed, now?.State ?? action.State, e.Message, null);
        }
    }

    /// <summary>
    /// An approval's action that still needs running: Approved, Cancelled, or Running with no live holder (its worker was
    /// killed). Actions without an approver are direct runs; their own sessions resume them.
    /// </summary>
    private static bool IsDue(ActionRecord a, DateTimeOffset now) =>
        a.ApproverId is not null && a.State switch
        {
            ActionState.Approved or ActionState.Cancelled => true,
            ActionState.Running => !a.IsLeaseLive(now) || LeaseOwner.IsDeadLocalProcess(a.LeaseOwner),
            _ => false,
        };

    private static WorkerResult TakenElsewhere(ActionRecord a) =>
        new(a.Id, a.Kind, WorkerOutcome.Skipped, a.State, $"Another worker has taken action {a.Id} ({a.State}).", null);

    /// <summary>Why the approval does not hold now, or null: the checks that need only the store first, then Graph.</summary>
    private async Task<string?> RefusalAsync(IActionStore store, ApprovalPolicy policy, ActionRecord action, CancellationToken ct)
    {
        AuditRecord? approval = null;
        await foreach (var e in store.GetAuditAsync(action.Id, ct).ConfigureAwait(false))
        {
            if (e.ToState == ActionState.Approved) approval = e;
        }
        if (approval is null) return "its audit trail records no approval.";
        try
        {
            await PinCheck.EnsureAsync(store, action, items: false, ct).ConfigureAwait(false);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Tampered)
        {
            return "its content changed after it was approved: " + e.Message;
        }
        if (action.ExpiresAt is { } exp && approval.At > exp)
            return $"it was approved at {approval.At:u}, after it expired at {exp:u}.";
        return await new ApproverCheck(session).RefusalAsync(action, approval.ActorKind, policy, ct).ConfigureAwait(false);
    }
}
