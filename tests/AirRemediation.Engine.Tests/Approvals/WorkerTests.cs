using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Approvals;

/// <summary>
/// The hand-off to a worker identity: with an executor app in the store's policy, approving records the decision only,
/// and the worker — signed in as that app — verifies each approval again with Graph before it runs the action through
/// the same pipeline; a refused approval is audited and the action left Approved. Real sign-ins against the simulator,
/// one shared queue; URL blocks because they are quick to count.
/// </summary>
[Collection(Store.StoreCollection.Name)]
public sealed class WorkerTests
{
    private const string Executor = FaultTenant.AutomationClientId;

    private static async Task<ActionRecord> ProposeAsync(AirSession proposer, string url)
    {
        var request = Remediation.Normalize(proposer, new UrlBlockRequest { Urls = [url] });
        var created = await ProposalService.ProposeAsync(proposer, request, "Seen in a phishing campaign.", null, default);
        Assert.True(created.Created);
        return created.Action;
    }

    private static async Task<RunSummary> ApproveAsync(AirSession approver, string id) =>
        await DecisionService.ApproveAsync(approver, await DecisionService.EnsureApprovableAsync(approver, id, default), "Confirmed.", RunSink.None, default);

    private static async Task<ActionRecord> ActionAsync(AirSession session, string id) =>
        (await (await session.GetStoreAsync(default)).GetActionAsync(id))!;

    private static async Task<List<AuditRecord>> RefusalsAsync(AirSession session, string id) =>
        await (await session.GetStoreAsync(default)).GetAuditAsync(id).Where(e => e.Event == ExecutorHandoff.RefusedEvent).ToListAsync();

    /// <summary>Megan proposes, Alex sets the executor; returns the tenant's sessions.</summary>
    private static async Task<(AirSession Megan, AirSession Alex, AirSession Worker)> TeamAsync(ApprovalTenant t, TimeProvider? meganClock = null)
    {
        var megan = await t.UserAsync(ApprovalTenant.Megan, meganClock);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        await ExecutorHandoff.SetExecutorAsync(alex, Executor, default);
        return (megan, alex, await t.AppAsync());
    }

    [Fact]
    public async Task Only_a_policy_administrator_names_the_executor_by_app_id_and_the_change_is_audited()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var adele = await t.UserAsync(ApprovalTenant.Adele);
        var op = await t.UserAsync(ApprovalTenant.Operator);
        var alex = await t.UserAsync(ApprovalTenant.Alex);

        Assert.Equal(AirErrorKind.ApprovalRefused, (await Assert.ThrowsAsync<AirException>(() => ExecutorHandoff.SetExecutorAsync(adele, Executor, default))).Kind);
        Assert.Equal(AirErrorKind.ApprovalRefused, (await Assert.ThrowsAsync<AirException>(() => ExecutorHandoff.SetExecutorAsync(op, Executor, default))).Kind);
        var byName = await Assert.ThrowsAsync<AirException>(() => ExecutorHandoff.SetExecutorAsync(alex, "AirRemediation Automation", default));
        Assert.Equal(AirErrorKind.InvalidInput, byName.Kind);
        var store = await alex.GetStoreAsync(default);
        Assert.Null((await ApprovalPolicy.LoadAsync(store, default)).ExecutorAppId);

        var policy = await ExecutorHandoff.SetExecutorAsync(alex, Executor.ToUpperInvariant(), default);

        Assert.Equal(Executor, policy.ExecutorAppId);
        var entry = Assert.Single(await store.GetAuditAsync().Where(e => e.Event == "SettingChanged" && (e.Reason ?? "").Contains(Executor, StringComparison.Ordinal)).ToListAsync());
        Assert.Equal(alex.Principal.Key, entry.ActorId);
        Assert.Null((await ExecutorHandoff.SetExecutorAsync(alex, "", default)).ExecutorAppId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_an_executor_approving_only_records_the_decision_and_the_worker_runs_the_action_once(bool tables)
    {
        await using var t = await ApprovalTenant.StartAsync(onTables: tables);
        var (megan, alex, worker) = await TeamAsync(t);
        var action = await ProposeAsync(megan, "handoff.example");

        var approved = await ApproveAsync(alex, action.Id);

        Assert.Equal(ActionState.Approved, approved.State);
        Assert.Equal(0, approved.Total);
        Assert.Equal(0, t.Blocked("handoff.example"));
        Assert.Equal(ActionState.Approved, (await ActionAsync(alex, action.Id)).State);

        var results = await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default);

        var r = Assert.Single(results);
        Assert.Equal((action.Id, WorkerOutcome.Ran, ActionState.Completed), (r.ActionId, r.Outcome, r.State));
        Assert.Equal(1, t.Blocked("handoff.example"));
        var done = await ActionAsync(alex, action.Id);
        Assert.Equal(ActionState.Completed, done.State);
        Assert.Equal(ApprovalTenant.Alex, done.ApprovedBy);
        Assert.Empty(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default));
        Assert.Equal(1, t.Blocked("handoff.example"));
    }

    [Fact]
    public async Task Without_an_executor_approving_runs_in_the_approvers_session_and_no_worker_starts()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var worker = await t.AppAsync();
        var action = await ProposeAsync(megan, "no-executor.example");

        Assert.Equal(ActionState.Completed, (await ApproveAsync(alex, action.Id)).State);
        Assert.Equal(1, t.Blocked("no-executor.example"));
        var e = await Assert.ThrowsAsync<AirException>(() => new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default));
        Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
        Assert.Contains("names no executor app", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_executor_app_may_work_the_queue()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var (megan, alex, _) = await TeamAsync(t);
        var action = await ProposeAsync(megan, "not-the-executor.example");
        await ApproveAsync(alex, action.Id);
        var reader = await t.AppAsync(FaultTenant.ReaderClientId, FaultTenant.ReaderSecret);

        foreach (var s in new[] { alex, reader })
        {
            var e = await Assert.ThrowsAsync<AirException>(() => new ApprovedActionWorker(s).RunOnceAsync(RunSink.None, null, default));
            Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
            Assert.Contains($"Only the executor app {Executor}", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, t.Blocked("not-the-executor.example"));
        Assert.Equal(ActionState.Approved, (await ActionAsync(alex, action.Id)).State);
    }

    [Fact]
    public async Task An_approver_who_lost_the_role_is_refused_audited_once_and_the_action_stays_approved()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var (megan, alex, worker) = await TeamAsync(t);
        var action = await ProposeAsync(megan, "role-removed.example");
        await ApproveAsync(alex, action.Id);
        t.Sim.State.FindUser(ApprovalTenant.Alex)!.DirectoryRoleIds.Clear();
        var w = new ApprovedActionWorker(worker);

        var r = Assert.Single(await w.RunOnceAsync(RunSink.None, null, default));
        Assert.Single(await w.RunOnceAsync(RunSink.None, null, default));

        Assert.Equal(WorkerOutcome.Refused, r.Outcome);
        Assert.Contains("no longer holds Security Administrator, Security Operator or Global Administrator", r.Reason, StringComparison.Ordinal);
        Assert.Equal(ActionState.Approved, (await ActionAsync(alex, action.Id)).State);
        Assert.Equal(0, t.Blocked("role-removed.example"));
        var audit = Assert.Single(await RefusalsAsync(alex, action.Id));
        Assert.Equal(worker.Principal.Key, audit.ActorId);
        Assert.Equal(r.Reason, audit.Reason);
    }

    [Fact]
    public async Task When_Graph_cannot_answer_nothing_is_decided_and_the_next_pass_runs_the_action()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var (megan, alex, worker) = await TeamAsync(t);
        var action = await ProposeAsync(megan, "graph-outage.example");
        await ApproveAsync(alex, action.Id);
        t.Sim.SetFaults(new Simulator.Scenario.FaultSettings { ServerErrorRate = 1.0 });
        var w = new ApprovedActionWorker(worker);

        var failed = Assert.Single(await w.RunOnceAsync(RunSink.None, null, default));

        Assert.Equal(WorkerOutcome.Failed, failed.Outcome);
        Assert.StartsWith("The approval could not be verified now", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(await RefusalsAsync(alex, action.Id));
        Assert.Equal(ActionState.Approved, (await ActionAsync(alex, action.Id)).State);
        t.Sim.SetFaults(new Simulator.Scenario.FaultSettings());
        var ran = Assert.Single(await w.RunOnceAsync(RunSink.None, null, default));
        Assert.Equal((WorkerOutcome.Ran, ActionState.Completed), (ran.Outcome, ran.State));
        Assert.Equal(1, t.Blocked("graph-outage.example"));
    }

    [Fact]
    public async Task An_approver_who_no_longer_exists_in_the_tenant_is_refused()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var (megan, alex, worker) = await TeamAsync(t);
        var op = await t.UserAsync(ApprovalTenant.Operator);
        var action = await ProposeAsync(megan, "deleted-approver.example");
        await ApproveAsync(op, action.Id);
        Assert.True(t.Sim.State.RemoveUser(ApprovalTenant.Operator));

        var r = Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default));

        Assert.Equal(WorkerOutcome.Refused, r.Outcome);
        Assert.Contains("does not exist in this tenant", r.Reason, StringComparison.Ordinal);
        Assert.Single(await RefusalsAsync(alex, action.Id));
        Assert.Equal(ActionState.Approved, (await ActionAsync(alex, action.Id)).State);
        Assert.Equal(0, t.Blocked("deleted-approver.example"));
    }

    [Fact]
    public async Task A_self_approval_made_while_allowed_is_refused_once_four_eyes_is_back_on()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var (megan, alex, worker) = await TeamAsync(t);
        var admin = await t.UserAsync(ApprovalTenant.GlobalAdmin);
        await DecisionService.SetPolicyAsync(alex, allowSelfApproval: true, appApprovers: null, default);
        await DecisionService.SetPolicyAsync(admin, allowSelfApproval: true, appApprovers: null, default);
        var action = await ProposeAsync(megan, "self-approved.example");
        await ApproveAsync(megan, action.Id);
        await DecisionService.SetPolicyAsync(alex, allowSelfApproval: false, appApprovers: null, default);

        var r = Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default));

        Assert.Equal(WorkerOutcome.Refused, r.Outcome);
        Assert.Contains("approved by its own proposer", r.Reason, StringComparison.Ordinal);
        Assert.Single(await RefusalsAsync(alex, action.Id));
        Assert.Equal(0, t.Blocked("self-approved.example"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Content_changed_after_approval_is_refused_and_nothing_reaches_the_tenant(bool tables)
    {
        await using var t = await ApprovalTenant.StartAsync(onTables: tables);
        var (megan, alex, worker) = await TeamAsync(t);
        var action = await ProposeAsync(megan, "pinned-worker.example");
        await ApproveAsync(alex, action.Id);
        await PinnedContentTests.Tamper.ParametersAsync(await alex.GetStoreAsync(default), action.Id,
            p => p.Replace("pinned-worker.example", "partner-site.example", StringComparison.Ordinal));

        var r = Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default));

        Assert.Equal(WorkerOutcome.Refused, r.Outcome);
        Assert.Contains("its content changed after it was approved", r.Reason, StringComparison.Ordinal);
        Assert.Single(await RefusalsAsync(alex, action.Id));
        Assert.Equal(0, t.Blocked("pinned-worker.example") + t.Blocked("partner-site.example"));
        Assert.Equal(ActionState.Approved, (await ActionAsync(alex, action.Id)).State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_workers_draining_one_queue_at_once_run_each_action_exactly_once(bool tables)
    {
        await using var t = await ApprovalTenant.StartAsync(onTables: tables);
        var (megan, alex, first) = await TeamAsync(t);
        var second = await t.AppAsync();
        var urls = Enumerable.Range(1, 12).Select(i => $"race-{i}.example").ToList();
        foreach (var url in urls) await ApproveAsync(alex, (await ProposeAsync(megan, url)).Id);

        var both = await Task.WhenAll(
            Task.Run(() => new ApprovedActionWorker(first).RunOnceAsync(RunSink.None, null, default)),
            Task.Run(() => new ApprovedActionWorker(second).RunOnceAsync(RunSink.None, null, default)));

        var ran = both.SelectMany(r => r).Where(r => r.Outcome == WorkerOutcome.Ran).ToList();
        Assert.Equal(urls.Count, ran.Count);
        Assert.Equal(urls.Count, ran.Select(r => r.ActionId).Distinct().Count());
        Assert.DoesNotContain(both.SelectMany(r => r), r => r.Outcome is WorkerOutcome.Failed or WorkerOutcome.Refused);
        Assert.All(urls, u => Assert.Equal(1, t.Blocked(u)));
    }

    [Fact]
    public async Task An_action_whose_worker_died_on_another_machine_is_resumed_once_its_lease_runs_out()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        await ExecutorHandoff.SetExecutorAsync(alex, Executor, default);
        var worker = await t.AppAsync(clock: clock);
        var action = await ProposeAsync(megan, "dead-worker.example");
        await ApproveAsync(alex, action.Id);
        // A worker on another host took it and was killed there: its lease stays until it runs out.
        var store = await worker.GetStoreAsync(default);
        var taken = await store.TryTransitionAsync(action.Id, [ActionState.Approved], ActionState.Running,
            new AuditContext("other worker", ActorKind.App, ActorId: worker.Principal.Key),
            new ActionChanges { Lease = new LeaseRequest("otherhost/4242/dead", TimeSpan.FromSeconds(60)) }, default);
        Assert.True(taken.Succeeded);
        var w = new ApprovedActionWorker(worker);

        Assert.Empty(await w.RunOnceAsync(RunSink.None, null, default));
        Assert.Equal(0, t.Blocked("dead-worker.example"));
        clock.Advance(TimeSpan.FromSeconds(61));
        var r = Assert.Single(await w.RunOnceAsync(RunSink.None, null, default));

        Assert.Equal((WorkerOutcome.Ran, ActionState.Completed), (r.Outcome, r.State));
        Assert.Equal(1, t.Blocked("dead-worker.example"));
    }

    [Fact]
    public async Task The_continuous_worker_picks_up_new_approvals_each_poll_and_stops_when_cancelled()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        await ExecutorHandoff.SetExecutorAsync(alex, Executor, default);
        var worker = await t.AppAsync(clock: clock);
        var first = (await ProposeAsync(megan, "poll-1.example")).Id;
        await ApproveAsync(alex, first);
        var ran = new System.Collections.Concurrent.ConcurrentQueue<WorkerResult>();
        using var stop = new CancellationTokenSource();

        var loop = Task.Run(() => new ApprovedActionWorker(worker).RunContinuousAsync(TimeSpan.FromSeconds(30), RunSink.None, ran.Enqueue, null, stop.Token));
        var poll = await clock.NextWaitOfAsync<ApprovedActionWorker>();
        Assert.Equal(TimeSpan.FromSeconds(30), poll.Due);
        Assert.Equal(1, t.Blocked("poll-1.example"));
        var second = (await ProposeAsync(megan, "poll-2.example")).Id;
        await ApproveAsync(alex, second);
        Assert.Equal(0, t.Blocked("poll-2.example"));           // nothing runs before the poll interval has passed
        clock.AdvancePast(poll);
        var nextPoll = await clock.NextWaitOfAsync<ApprovedActionWorker>(poll.Index + 1);
        stop.Cancel();
        await loop;

        Assert.True(nextPoll.Cancelled);
        Assert.Equal(1, t.Blocked("poll-2.example"));
        Assert.Equal([first, second], ran.Where(r => r.Outcome == WorkerOutcome.Ran && r.State == ActionState.Completed).Select(r => r.ActionId));
    }

    [Fact]
    public async Task Waiting_on_a_handed_off_action_ends_with_the_workers_outcome_or_its_refusal()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex, clock);
        await ExecutorHandoff.SetExecutorAsync(alex, Executor, default);
        var worker = await t.AppAsync();
        var action = await ProposeAsync(megan, "wait.example");
        await ApproveAsync(alex, action.Id);

        var wait = ExecutorHandoff.WaitAsync(alex, action.Id, RunSink.None, default);
        var poll = await clock.NextWaitAsync(w => w.Waiter == typeof(ExecutorHandoff));
        Assert.False(wait.IsCompleted);
        await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default);
        clock.AdvancePast(poll);
        var summary = await wait;
        Assert.Equal((ActionState.Completed, 1L), (summary.State, summary.Succeeded));

        var refused = await ProposeAsync(megan, "wait-refused.example");
        await ApproveAsync(alex, refused.Id);
        var waitRefused = ExecutorHandoff.WaitAsync(alex, refused.Id, RunSink.None, default);
        poll = await clock.NextWaitAsync(w => w.Waiter == typeof(ExecutorHandoff), poll.Index + 1);
        t.Sim.State.FindUser(ApprovalTenant.Alex)!.DirectoryRoleIds.Clear();
        await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default);
        clock.AdvancePast(poll);
        var e = await Assert.ThrowsAsync<AirException>(() => waitRefused);
        Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
        Assert.Contains("no longer holds", e.Message, StringComparison.Ordinal);
        Assert.Equal(ActionState.Approved, (await ActionAsync(megan, refused.Id)).State);
    }
}
