using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// Approval hand-off to a worker identity. When the store's policy names an executor app, approving only records the
/// decision (the approver needs a security role, no mailbox access) and the worker (<see cref="ApprovedActionWorker"/>,
/// <c>Invoke-AirApprovedAction</c>) signed in as that app verifies the approval again and runs the action.
/// </summary>
public static class ExecutorHandoff
{
    /// <summary>The audit event a worker writes when it refuses an approval; the action stays Approved.</summary>
    public const string RefusedEvent = "WorkerRefused";

    /// <summary>How often <see cref="WaitAsync"/> reads the store while it follows a handed-off action.</summary>
    public static readonly TimeSpan WaitPoll = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Names (or, with null or empty, removes) the worker app. Like every policy change: a Security Administrator or Global
    /// Administrator only, an app id GUID (never a name), audited and announced.
    /// </summary>
    public static async Task<ApprovalPolicy> SetExecutorAsync(AirSession session, string? executorAppId, CancellationToken ct)
    {
        var value = string.IsNullOrWhiteSpace(executorAppId) ? null : executorAppId.Trim();
        if (value is not null && !Guid.TryParse(value, out _))
            throw new AirException(AirErrorKind.InvalidInput,
                $"-ExecutorAppId '{DisplayText.Safe(value)}' is not an application (client) id: give the app id GUID of the worker's app registration or managed identity.");
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        ApprovalRules.EnsurePolicyAdministrator(session);
        value = value is null ? null : Guid.Parse(value).ToString();
        await store.SetSettingAsync(StoreSettings.ExecutorAppId, value, AuditContexts.For(session,
            value is null ? "approved actions run in the approver's session" : $"approved actions are handed to the worker app {value}"), ct).ConfigureAwait(false);
        AirLog.Current.Warning(value is null
            ? $"Approval policy of {store.Location} changed by {session.Identity}: no executor; approving runs the action in the approver's session."
            : $"Approval policy of {store.Location} changed by {session.Identity}: approved actions are now run by the worker app {value} (Invoke-AirApprovedAction).");
        return await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
    }

    /// <summary>The executor app id of the store's policy, or null when approving runs the action in the approver's session.</summary>
    internal static async Task<string?> ExecutorOfAsync(IActionStore store, CancellationToken ct) =>
        (await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false)).ExecutorAppId;

    /// <summary>The summary Approve-AirAction returns for an action handed to the worker: Approved, nothing run yet.</summary>
    internal static RunSummary HandedOff(ActionRecord approved, string executor) => new()
    {
        ActionId = approved.Id,
        Kind = approved.Kind,
        State = ActionState.Approved,
        Note = $"Approved; the worker app {executor} runs it (Invoke-AirApprovedAction). Follow it with Approve-AirAction -Wait or Get-AirAction -Id {approved.Id}.",
    };

    /// <summary>
    /// Follows a handed-off action until the worker ends it (Completed, PartiallyCompleted, Failed, Cancelled) and returns
    /// its summary from the journal, reporting progress meanwhile. A worker's refusal ends the wait with its reason.
    /// </summary>
    public static async Task<RunSummary> WaitAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var started = session.Clock.GetUtcNow();
        long refusalsSeen = -1;
        while (true)
        {
            var action = await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false);
            var counts = await store.GetItemCountsAsync(action.Id, ct).ConfigureAwait(false);
            if (action.State is ActionState.Completed or ActionState.PartiallyCompleted or ActionState.Failed or ActionState.Cancelled or ActionState.Undone)
            {
                sink.Progress(Snapshot(action, counts, completed: true));
                return RunSummary.From(action, counts, session.Clock.GetUtcNow() - started, null);
            }
            if (action.State == ActionState.Approved)
            {
                var (count, last) = await RefusalsAsync(store, action.Id, ct).ConfigureAwait(false);
                if (refusalsSeen >= 0 && count > refusalsSeen && last is not null)
                {
                    sink.Progress(Snapshot(action, counts, completed: true));
                    throw new AirException(AirErrorKind.ApprovalRefused,
                        $"The worker ({last.Actor}) refused to run action {action.Id}: {last.Reason} The action stays Approved.", action.Id);
                }
                refusalsSeen = count;
            }
            sink.Progress(Snapshot(action, counts, completed: false));
            await Task.Delay(WaitPoll, session.Clock, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How many times workers refused the action, and the latest refusal.</summary>
    internal static async Task<(long Count, AuditRecord? Last)> RefusalsAsync(IActionStore store, string actionId, CancellationToken ct)
    {
        long count = 0;
        AuditRecord? last = null;
        await foreach (var e in store.GetAuditAsync(actionId, ct).ConfigureAwait(false))
        {
            if (e.Event != RefusedEvent) continue;
            count++;
            last = e;
        }
        return (count, last);
    }

    private static RunProgress Snapshot(ActionRecord action, ItemCounts counts, bool completed) => new()
    {
        ActionId = action.Id,
        Activity = $"Action {action.Id} ({action.Kind}): {action.State}, run by the worker",
        UnitName = "Items",
        Found = counts.Total,
        Finished = counts.Finished,
        Failed = counts.Failed,
        Completed = completed,
    };
}
