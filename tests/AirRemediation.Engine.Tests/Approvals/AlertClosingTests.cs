using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Xunit;

namespace AirRemediation.Engine.Tests.Approvals;

/// <summary>
/// Closing the loop in Defender: the alert of a completed proposal is resolved with the classification the approver
/// chose — by the worker when one runs it — and left alone when nobody asked; a denied proposal's alert can be marked a
/// false positive. The simulator refuses determinations that do not belong to the classification.
/// </summary>
public sealed class AlertClosingTests
{
    private const string PendingAlert = "fa8e5a1c2d3e4f5a6b7c8d9e0f1a2b3c4d_-1234567890";

    private static (string? Status, string? Classification, string? Determination) Alert(ApprovalTenant t)
    {
        lock (t.Sim.State.AlertsGate)
        {
            var a = t.Sim.State.Alerts.Single(x => (string?)x["id"] == PendingAlert);
            return ((string?)a["status"], (string?)a["classification"], (string?)a["determination"]);
        }
    }

    /// <summary>The worker app syncs the alert's evidence into the queue; returns the worker and the URL block proposal.</summary>
    private static async Task<(AirSession Worker, ActionRecord Block)> SyncAsync(ApprovalTenant t, AirSession admin)
    {
        await ExecutorHandoff.SetExecutorAsync(admin, FaultTenant.AutomationClientId, default);
        var worker = await t.AppAsync();
        await ProposalService.SyncAsync(worker, null, default);
        var store = await worker.GetStoreAsync(default);
        var block = await store.QueryActionsAsync(new ActionQuery { Kind = ActionKind.BlockUrl }).SingleAsync();
        Assert.Equal(PendingAlert, block.InvestigationId);
        return (worker, block);
    }

    private static async Task ApproveAsync(AirSession approver, string id) =>
        await DecisionService.ApproveAsync(approver, await DecisionService.EnsureApprovableAsync(approver, id, default), null, RunSink.None, default);

    [Fact]
    public async Task The_alert_is_resolved_with_the_approvers_classification_once_the_worker_completes_the_action()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var (worker, block) = await SyncAsync(t, alex);
        var before = Alert(t);
        Assert.NotEqual("resolved", before.Status);

        await AlertClosing.RequestAsync(alex, block.Id, AlertClosing.For(block.Kind, null, null), default);
        await ApproveAsync(alex, block.Id);
        Assert.Equal(before, Alert(t));                    // nothing happens on approval: the action has not run yet

        var r = Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default), x => x.ActionId == block.Id);

        Assert.Equal(ActionState.Completed, r.State);
        Assert.Equal(("resolved", "truePositive", "phishing"), Alert(t));
        var store = await worker.GetStoreAsync(default);
        var entry = Assert.Single(await store.GetAuditAsync(block.Id).Where(e => e.Event == "AlertResolved").ToListAsync());
        Assert.Equal(worker.Principal.Key, entry.ActorId);
    }

    [Fact]
    public async Task The_alert_is_untouched_when_nobody_asked_or_when_someone_other_than_the_approver_asked()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var (worker, block) = await SyncAsync(t, alex);
        var before = Alert(t);

        // Megan asks, but Alex approves: a request only counts from the identity that approved.
        await AlertClosing.RequestAsync(megan, block.Id, AlertResolution.Parse("truePositive", "malware"), default);
        await ApproveAsync(alex, block.Id);
        var r = Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default), x => x.ActionId == block.Id);

        Assert.Equal(ActionState.Completed, r.State);
        Assert.Equal(before, Alert(t));
        Assert.Empty(await (await worker.GetStoreAsync(default)).GetAuditAsync(block.Id).Where(e => e.Event == "AlertResolved").ToListAsync());
    }

    [Fact]
    public async Task A_denied_proposal_can_mark_its_alert_a_false_positive()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var (_, block) = await SyncAsync(t, alex);

        var denied = await DecisionService.DenyAsync(alex, block.Id, "Partner site.", default);
        Assert.True(await AlertClosing.MarkFalsePositiveAsync(alex, denied, default));

        Assert.Equal(("resolved", "falsePositive", "notMalicious"), Alert(t));
    }

    [Fact]
    public async Task The_policys_default_resolves_the_alert_unless_the_approver_asks_to_leave_it_open()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var op = await t.UserAsync(ApprovalTenant.Operator);
        var (worker, block) = await SyncAsync(t, alex);
        var store = await worker.GetStoreAsync(default);
        var email = await store.QueryActionsAsync(new ActionQuery { Kind = ActionKind.SoftDeleteEmail }).SingleAsync();
        Assert.Equal(AirErrorKind.ApprovalRefused,
            (await Assert.ThrowsAsync<AirException>(() => AlertClosing.SetDefaultAsync(op, AlertResolution.Parse("truePositive", "malware"), default))).Kind);
        Assert.Equal("truePositive/malware", (await AlertClosing.SetDefaultAsync(alex, AlertResolution.FromText("TruePositive/Malware"), default)).DefaultAlertResolution);
        var before = Alert(t);

        // The operator approves the URL block saying "leave it open": the default does not apply to it.
        await AlertClosing.RequestLeaveOpenAsync(op, block.Id, default);
        await ApproveAsync(op, block.Id);
        Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default), x => x.ActionId == block.Id && x.State == ActionState.Completed);
        Assert.Equal(before, Alert(t));

        // Alex approves the message without choosing: the policy's default closes the alert once it completes.
        await ApproveAsync(alex, email.Id);
        Assert.Single(await new ApprovedActionWorker(worker).RunOnceAsync(RunSink.None, null, default), x => x.ActionId == email.Id && x.State == ActionState.Completed);
        Assert.Equal(("resolved", "truePositive", "malware"), Alert(t));
    }

    [Theory]
    [InlineData("truePositive")]
    [InlineData("truePositive/phishing/other")]
    [InlineData("falsePositive/malware")]
    public void A_default_resolution_must_be_a_classification_and_a_determination_that_belong_together(string text) =>
        Assert.Equal(AirErrorKind.InvalidInput, Assert.Throws<AirException>(() => AlertResolution.FromText(text)).Kind);

    [Theory]
    [InlineData("falsePositive", "phishing")]
    [InlineData("truePositive", "notMalicious")]
    [InlineData("informationalExpectedActivity", "malware")]
    [InlineData("benign", "other")]
    public void A_determination_that_does_not_belong_to_the_classification_is_refused_before_any_call(string classification, string determination)
    {
        var e = Assert.Throws<AirException>(() => AlertResolution.Parse(classification, determination));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
    }

    [Fact]
    public async Task The_simulator_refuses_a_patch_whose_determination_does_not_fit_the_classification_as_the_portal_would()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var (worker, _) = await SyncAsync(t, alex);
        var api = new SecurityApi(worker.Graph);

        // Past the module's own check, straight to the simulator.
        var e = await Assert.ThrowsAnyAsync<Exception>(() => api.ResolveAlertAsync(PendingAlert, new AlertResolution("falsePositive", "phishing"), default));
        Assert.Contains("not valid for classification", e.Message, StringComparison.Ordinal);
        Assert.NotEqual("resolved", Alert(t).Status);
        Assert.Equal("Resolved", await api.ResolveAlertAsync(PendingAlert, new AlertResolution("informationalExpectedActivity", "securityTesting"), default));
        Assert.Equal(("resolved", "informationalExpectedActivity", "securityTesting"), Alert(t));
    }
}
