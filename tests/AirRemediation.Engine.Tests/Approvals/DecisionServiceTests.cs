using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Tests.Harness;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Approvals;

/// <summary>
/// Every rule of deciding on a pending action — four-eyes, the approving roles, applications named by the policy,
/// expiry, racing approvers, deny, and who may change the policy — through the public decision service, with real
/// sign-ins against the in-process simulator and one shared queue. Actions are URL blocks: quick to run, easy to count.
/// </summary>
public sealed class DecisionServiceTests
{
    private const string ApproverRoles = "Security Administrator, Security Operator or Global Administrator";

    private static Task<ActionRecord> ProposeAsync(AirSession proposer, string url) => ApprovalTenant.ProposeBlockAsync(proposer, url);

    private static async Task<ActionRecord> ActionAsync(AirSession session, string id) =>
        (await (await session.GetStoreAsync(default)).GetActionAsync(id))!;

    /// <summary>What Approve-AirAction does: every check first, then the approval and the run.</summary>
    private static async Task<RunSummary> ApproveAsync(AirSession approver, string id)
    {
        var candidate = await DecisionService.EnsureApprovableAsync(approver, id, default);
        return await DecisionService.ApproveAsync(approver, candidate, "Confirmed malicious.", RunSink.None, default);
    }

    [Fact]
    public async Task The_proposer_cannot_approve_their_own_action_and_someone_else_can()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var action = await ProposeAsync(megan, "four-eyes.example");

        var e = await Assert.ThrowsAsync<AirException>(() => ApproveAsync(megan, action.Id));
        Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
        Assert.Contains($"was proposed by {ApprovalTenant.Megan}; four-eyes approval needs someone else", e.Message, StringComparison.Ordinal);
        Assert.Equal(ActionState.Pending, (await ActionAsync(megan, action.Id)).State);
        Assert.Equal(0, t.Blocked("four-eyes.example"));

        var summary = await ApproveAsync(alex, action.Id);

        Assert.Equal(ActionState.Completed, summary.State);
        var done = await ActionAsync(alex, action.Id);
        Assert.Equal(ActionState.Completed, done.State);
        Assert.Equal(ApprovalTenant.Alex, done.ApprovedBy);
        Assert.Equal(ApprovalTenant.Megan, done.ProposedBy);
        Assert.Equal(1, t.Blocked("four-eyes.example"));
    }

    [Fact]
    public async Task With_self_approval_allowed_by_the_policy_the_proposer_may_approve_their_own_action()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var admin = await t.UserAsync(ApprovalTenant.GlobalAdmin);

        // Turning four-eyes off takes two administrators: asking again alone changes nothing; a second one confirms.
        Assert.False((await DecisionService.SetPolicyAsync(alex, allowSelfApproval: true, appApprovers: null, default)).AllowSelfApproval);
        Assert.False((await DecisionService.SetPolicyAsync(alex, allowSelfApproval: true, appApprovers: null, default)).AllowSelfApproval);
        var policy = await DecisionService.SetPolicyAsync(admin, allowSelfApproval: true, appApprovers: null, default);
        Assert.True(policy.AllowSelfApproval);
        var action = await ProposeAsync(megan, "single-admin.example");
        var summary = await ApproveAsync(megan, action.Id);

        Assert.Equal(ActionState.Completed, summary.State);
        var done = await ActionAsync(megan, action.Id);
        Assert.Equal(ApprovalTenant.Megan, done.ProposedBy);
        Assert.Equal(ApprovalTenant.Megan, done.ApprovedBy);
        Assert.Equal(1, t.Blocked("single-admin.example"));
    }

    [Theory]
    [InlineData(ApprovalTenant.Megan)]        // Security Administrator
    [InlineData(ApprovalTenant.Operator)]     // Security Operator
    [InlineData(ApprovalTenant.GlobalAdmin)]  // Global Administrator
    public async Task Security_Administrators_Security_Operators_and_Global_Administrators_may_approve(string upn)
    {
        await using var t = await ApprovalTenant.StartAsync();
        var app = await t.AppAsync();
        var approver = await t.UserAsync(upn);
        var action = await ProposeAsync(app, "role-" + upn.Split('@')[0] + ".example");

        var summary = await ApproveAsync(approver, action.Id);

        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal(upn, (await ActionAsync(approver, action.Id)).ApprovedBy);
    }

    [Theory]
    [InlineData(ApprovalTenant.Adele, "no directory role")]
    [InlineData(ApprovalTenant.SecurityReader, "Security Reader")]
    public async Task A_user_without_an_approving_role_is_refused_with_the_roles_that_would_do(string upn, string has)
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var user = await t.UserAsync(upn);
        var action = await ProposeAsync(megan, "no-role.example");

        var e = await Assert.ThrowsAsync<AirException>(() => ApproveAsync(user, action.Id));

        Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
        Assert.Contains($"{upn} cannot approve remediation actions", e.Message, StringComparison.Ordinal);
        Assert.Contains(ApproverRoles, e.Message, StringComparison.Ordinal);
        Assert.Contains($"the signed-in user has {has}", e.Message, StringComparison.Ordinal);
        Assert.Equal(ActionState.Pending, (await ActionAsync(user, action.Id)).State);
        Assert.Equal(0, t.Blocked("no-role.example"));
    }

    [Fact]
    public async Task An_application_approves_only_when_the_policy_names_it()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var app = await t.AppAsync();
        var action = await ProposeAsync(megan, "runbook-approved.example");

        var e = await Assert.ThrowsAsync<AirException>(() => ApproveAsync(app, action.Id));
        Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
        Assert.Contains($"The application {ApprovalTenant.AutomationName} ({FaultTenant.AutomationClientId}) cannot approve", e.Message, StringComparison.Ordinal);
        Assert.Contains("applications approve only when the store's policy names them", e.Message, StringComparison.Ordinal);
        Assert.Equal(ActionState.Pending, (await ActionAsync(app, action.Id)).State);

        // Another application named in the policy does not let this one in; naming this one does.
        await DecisionService.SetPolicyAsync(megan, null, [FaultTenant.ReaderClientId], default);
        Assert.Equal(AirErrorKind.ApprovalRefused, (await Assert.ThrowsAsync<AirException>(() => ApproveAsync(app, action.Id))).Kind);
        var policy = await DecisionService.SetPolicyAsync(megan, null, [FaultTenant.AutomationClientId], default);
        Assert.Equal([FaultTenant.AutomationClientId], policy.AppApprovers);
        var summary = await ApproveAsync(app, action.Id);

        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal(ApprovalTenant.AutomationName, (await ActionAsync(app, action.Id)).ApprovedBy);
        Assert.Equal(1, t.Blocked("runbook-approved.example"));
    }

    [Fact]
    public async Task An_expired_pending_action_cannot_be_approved_and_is_moved_to_Expired()
    {
        await using var t = await ApprovalTenant.StartAsync();
        // Proposed by a session whose clock says 1 January 2000: its week ran out long before the approver looks.
        var past = await t.AppAsync(clock: new FakeTimeProvider());
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var alexBefore = new FakeTimeProvider(new DateTimeOffset(2000, 1, 7, 0, 0, 0, TimeSpan.Zero));
        var alexInThePast = await t.UserAsync(ApprovalTenant.Alex, alexBefore);
        var action = await ProposeAsync(past, "too-late.example");
        Assert.Equal(new DateTimeOffset(2000, 1, 8, 0, 0, 0, TimeSpan.Zero), action.ExpiresAt);

        var e = await Assert.ThrowsAsync<AirException>(() => DecisionService.EnsureApprovableAsync(alex, action.Id, default));
        Assert.Equal(AirErrorKind.Expired, e.Kind);
        Assert.Contains("expired at 2000-01-08 00:00:00Z", e.Message, StringComparison.Ordinal);
        Assert.Contains("can no longer be approved", e.Message, StringComparison.Ordinal);

        // An approval that got past the check a moment before expiry is refused by the store all the same, and the
        // action is recorded as Expired rather than left Pending.
        var checkedInTime = await DecisionService.EnsureApprovableAsync(alexInThePast, action.Id, default);
        alexBefore.Advance(TimeSpan.FromDays(2));
        var approve = await Assert.ThrowsAsync<AirException>(() => DecisionService.ApproveAsync(alexInThePast, checkedInTime, null, RunSink.None, default));
        Assert.Equal(AirErrorKind.Expired, approve.Kind);
        var now = await ActionAsync(alex, action.Id);
        Assert.Equal(ActionState.Expired, now.State);
        Assert.Null(now.ApprovedBy);
        Assert.Equal(0, t.Blocked("too-late.example"));
    }

    [Fact]
    public async Task Of_two_racing_approvers_exactly_one_wins_and_the_other_is_told_who_approved()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var app = await t.AppAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var action = await ProposeAsync(app, "race.example");
        // Both passed every check (as two admins looking at the same queue would) before either approved.
        var seenByMegan = await DecisionService.EnsureApprovableAsync(megan, action.Id, default);
        var seenByAlex = await DecisionService.EnsureApprovableAsync(alex, action.Id, default);

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<object> Approve(AirSession s, ApprovalCandidate seen)
        {
            await go.Task;
            try { return await DecisionService.ApproveAsync(s, seen, null, RunSink.None, default); }
            catch (AirException e) { return e; }
        }
        var racing = new[] { Task.Run(() => Approve(megan, seenByMegan)), Task.Run(() => Approve(alex, seenByAlex)) };
        go.SetResult();
        var results = await Task.WhenAll(racing).WaitAsync(TimeSpan.FromSeconds(60));

        var won = Assert.Single(results.OfType<RunSummary>());
        var lost = Assert.Single(results.OfType<AirException>());
        Assert.Equal(ActionState.Completed, won.State);
        var done = await ActionAsync(alex, action.Id);
        Assert.Contains(done.ApprovedBy, new[] { ApprovalTenant.Megan, ApprovalTenant.Alex });
        Assert.Equal(AirErrorKind.InvalidState, lost.Kind);
        Assert.Contains($"(approved by {done.ApprovedBy} at ", lost.Message, StringComparison.Ordinal);
        Assert.Contains("it was not run again", lost.Message, StringComparison.Ordinal);
        Assert.Equal(1, t.Blocked("race.example"));
        var audit = await (await alex.GetStoreAsync(default)).GetAuditAsync(action.Id).ToListAsync();
        Assert.Single(audit, a => a.Event == "Approved");
    }

    [Fact]
    public async Task Deny_needs_a_reason_and_an_approving_role_and_records_both_in_the_trail()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var adele = await t.UserAsync(ApprovalTenant.Adele);
        var app = await t.AppAsync();
        var action = await ProposeAsync(megan, "false-positive.example");

        foreach (var reason in new[] { "", "   " })
        {
            var noReason = await Assert.ThrowsAsync<AirException>(() => DecisionService.DenyAsync(alex, action.Id, reason, default));
            Assert.Equal(AirErrorKind.InvalidInput, noReason.Kind);
            Assert.Contains("-Reason is required", noReason.Message, StringComparison.Ordinal);
        }
        var noRole = await Assert.ThrowsAsync<AirException>(() => DecisionService.DenyAsync(adele, action.Id, "Not malicious.", default));
        Assert.Equal(AirErrorKind.ApprovalRefused, noRole.Kind);
        Assert.Contains($"{ApprovalTenant.Adele} cannot deny remediation actions", noRole.Message, StringComparison.Ordinal);
        Assert.Contains(ApproverRoles, noRole.Message, StringComparison.Ordinal);
        var notNamed = await Assert.ThrowsAsync<AirException>(() => DecisionService.DenyAsync(app, action.Id, "Not malicious.", default));
        Assert.Equal(AirErrorKind.ApprovalRefused, notNamed.Kind);
        Assert.Equal(ActionState.Pending, (await ActionAsync(alex, action.Id)).State);

        var denied = await DecisionService.DenyAsync(alex, action.Id, "The site belongs to a partner.", default);

        Assert.Equal(ActionState.Denied, denied.State);
        Assert.NotNull(denied.DecidedAt);
        var entry = Assert.Single(await (await alex.GetStoreAsync(default)).GetAuditAsync(action.Id).ToListAsync(), a => a.Event == "Denied");
        Assert.Equal(ApprovalTenant.Alex, entry.Actor);
        Assert.Equal("The site belongs to a partner.", entry.Reason);
        Assert.Equal(0, t.Blocked("false-positive.example"));
    }

    [Fact]
    public async Task Only_a_pending_action_can_be_denied()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var denied = await ProposeAsync(megan, "denied-once.example");
        await DecisionService.DenyAsync(alex, denied.Id, "Not malicious.", default);
        var completed = await ProposeAsync(megan, "already-run.example");
        await ApproveAsync(alex, completed.Id);

        foreach (var (id, state) in new[] { (denied.Id, ActionState.Denied), (completed.Id, ActionState.Completed) })
        {
            var e = await Assert.ThrowsAsync<AirException>(() => DecisionService.DenyAsync(alex, id, "Changed my mind.", default));
            Assert.Equal(AirErrorKind.InvalidState, e.Kind);
            Assert.Contains(id, e.Message, StringComparison.Ordinal);
            Assert.Equal(state, (await ActionAsync(alex, id)).State);
        }
        Assert.Equal(1, t.Blocked("already-run.example"));
    }

    [Fact]
    public async Task Only_a_Security_or_Global_Administrator_may_change_the_approval_policy()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var admin = await t.UserAsync(ApprovalTenant.GlobalAdmin);
        var adele = await t.UserAsync(ApprovalTenant.Adele);
        var sara = await t.UserAsync(ApprovalTenant.SecurityReader);
        var sol = await t.UserAsync(ApprovalTenant.Operator);
        var app = await t.AppAsync();

        // A Security Operator may approve, but not set the rules of approval.
        foreach (var s in new[] { adele, sara, sol })
        {
            var e = await Assert.ThrowsAsync<AirException>(() => DecisionService.SetPolicyAsync(s, true, [FaultTenant.AutomationClientId], default));
            Assert.Equal(AirErrorKind.ApprovalRefused, e.Kind);
            Assert.Contains("cannot change the approval policy: that needs the Security Administrator or Global Administrator role", e.Message, StringComparison.Ordinal);
        }
        // Application approvers are app ids; a display name (which anyone can register) is refused.
        var named = await Assert.ThrowsAsync<AirException>(() => DecisionService.SetPolicyAsync(alex, null, [ApprovalTenant.AutomationName], default));
        Assert.Equal(AirErrorKind.InvalidInput, named.Kind);
        Assert.Contains("is not an application (client) id", named.Message, StringComparison.Ordinal);
        // An application cannot name itself an approver.
        var self = await Assert.ThrowsAsync<AirException>(() => DecisionService.SetPolicyAsync(app, null, [FaultTenant.AutomationClientId], default));
        Assert.Equal(AirErrorKind.ApprovalRefused, self.Kind);
        var store = await alex.GetStoreAsync(default);
        var unchanged = await ApprovalPolicy.LoadAsync(store, default);
        Assert.False(unchanged.AllowSelfApproval);
        Assert.Empty(unchanged.AppApprovers);

        var asked = await DecisionService.SetPolicyAsync(alex, true, [FaultTenant.AutomationClientId], default);
        Assert.False(asked.AllowSelfApproval);
        var policy = await DecisionService.SetPolicyAsync(admin, true, null, default);

        Assert.True(policy.AllowSelfApproval);
        Assert.Equal([FaultTenant.AutomationClientId], policy.AppApprovers);
        var changes = (await store.GetAuditAsync().ToListAsync()).Where(a => a.Event == "SettingChanged").ToList();
        Assert.Equal(4, changes.Count);
        Assert.Contains(changes, c => c.Actor == ApprovalTenant.Alex && c.Reason!.StartsWith("SelfApprovalRequestedBy: (not set) -> ", StringComparison.Ordinal));
        Assert.Contains(changes, c => c.Actor == ApprovalTenant.Alex && c.Reason!.StartsWith("AppApprovers: (not set) -> ", StringComparison.Ordinal));
        Assert.Contains(changes, c => c.Actor == ApprovalTenant.GlobalAdmin && c.Reason!.StartsWith("AllowSelfApproval: ", StringComparison.Ordinal)
            && c.Reason.Contains("confirmed by a second administrator", StringComparison.Ordinal));
        Assert.Contains(changes, c => c.Actor == ApprovalTenant.GlobalAdmin && c.Reason!.StartsWith("SelfApprovalRequestedBy: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Undoing_an_approved_action_needs_a_second_persons_approval_too()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var action = await ProposeAsync(megan, "undo-needs-approval.example");
        Assert.Equal(ActionState.Completed, (await ApproveAsync(alex, action.Id)).State);
        Assert.Equal(1, t.Blocked("undo-needs-approval.example"));

        // Alex asks for the undo: it is proposed, nothing is removed yet.
        var asked = await Remediation.UndoAsync(alex, action.Id, RunSink.None, default);
        Assert.Equal(ActionState.Pending, asked.State);
        Assert.Equal(ActionKind.Undo, asked.Kind);
        Assert.Contains($"Approve-AirAction -Id {asked.ActionId}", asked.Note, StringComparison.Ordinal);
        Assert.Equal(1, t.Blocked("undo-needs-approval.example"));
        Assert.Equal(ActionState.Completed, (await ActionAsync(alex, action.Id)).State);
        // Asking again does not run it either, and names the waiting proposal.
        var again = await Assert.ThrowsAsync<AirException>(() => Remediation.UndoAsync(alex, action.Id, RunSink.None, default));
        Assert.Equal(AirErrorKind.InvalidState, again.Kind);
        Assert.Contains($"waiting for approval as action {asked.ActionId}", again.Message, StringComparison.Ordinal);
        // Four-eyes holds for the undo: Alex proposed it, so Alex cannot approve it.
        var self = await Assert.ThrowsAsync<AirException>(() => ApproveAsync(alex, asked.ActionId));
        Assert.Equal(AirErrorKind.ApprovalRefused, self.Kind);
        var candidate = await DecisionService.EnsureApprovableAsync(megan, asked.ActionId, default);
        Assert.StartsWith($"Undo of {action.Id}: ", candidate.Description, StringComparison.Ordinal);

        var undone = await DecisionService.ApproveAsync(megan, candidate, null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, undone.State);
        Assert.Equal(1, undone.Succeeded);
        Assert.Equal(0, t.Blocked("undo-needs-approval.example"));
        Assert.Equal(ActionState.Undone, (await ActionAsync(alex, action.Id)).State);
    }

    [Fact]
    public async Task An_action_run_directly_is_undone_directly()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var ran = await Remediation.RunAsync(alex, Remediation.Normalize(alex, new UrlBlockRequest { Urls = ["direct-undo.example"] }), null, RunSink.None, default);
        Assert.Equal(ActionState.Completed, ran.State);

        var undone = await Remediation.UndoAsync(alex, ran.ActionId, RunSink.None, default);

        Assert.Equal(ActionState.Completed, undone.State);
        Assert.Equal(0, t.Blocked("direct-undo.example"));
    }

    [Fact]
    public async Task Test_AirPermission_reports_approving_and_policy_rights_from_the_verified_roles()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var sol = await t.UserAsync(ApprovalTenant.Operator);
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var app = await t.AppAsync();
        static PermissionCheck Row(IReadOnlyList<PermissionCheck> rows, string prefix) => Assert.Single(rows, r => r.Capability.StartsWith(prefix, StringComparison.Ordinal));

        var operatorRows = PermissionChecker.Check(sol, null);
        Assert.True(Row(operatorRows, "Approve or deny actions").Allowed);
        Assert.False(Row(operatorRows, "Change the approval policy").Allowed);
        var adminRows = PermissionChecker.Check(megan, null);
        Assert.True(Row(adminRows, "Approve or deny actions").Allowed);
        Assert.True(Row(adminRows, "Change the approval policy").Allowed);

        Assert.False(Row(PermissionChecker.Check(app, new ApprovalPolicy(false, [ApprovalTenant.AutomationName])), "Approve or deny actions").Allowed);
        Assert.True(Row(PermissionChecker.Check(app, new ApprovalPolicy(false, [FaultTenant.AutomationClientId])), "Approve or deny actions").Allowed);
    }

    [Fact]
    public async Task Unblocking_a_URL_an_approved_action_blocked_needs_an_approval_too()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var block = await ProposeAsync(megan, "unblock-needs-approval.example");
        Assert.Equal(ActionState.Completed, (await ApproveAsync(alex, block.Id)).State);

        var unblock = Remediation.Normalize(alex, new Kinds.UnblockUrl.UrlUnblockRequest { Urls = ["unblock-needs-approval.example"] });
        var asked = await Remediation.RunAsync(alex, unblock, null, RunSink.None, default);

        Assert.Equal(ActionState.Pending, asked.State);
        Assert.Equal(ActionKind.UnblockUrl, asked.Kind);
        Assert.Equal(1, t.Blocked("unblock-needs-approval.example"));
        var proposal = await ActionAsync(alex, asked.ActionId);
        Assert.Equal(block.Id, proposal.RelatedActionId);
        Assert.Equal(ApprovalTenant.Alex, proposal.ProposedBy);
        // Asking again within the hour returns the waiting proposal.
        Assert.Equal(asked.ActionId, (await Remediation.RunAsync(alex, unblock, null, RunSink.None, default)).ActionId);
        Assert.Equal(AirErrorKind.ApprovalRefused, (await Assert.ThrowsAsync<AirException>(() => ApproveAsync(alex, asked.ActionId))).Kind);

        var done = await ApproveAsync(megan, asked.ActionId);

        Assert.Equal(ActionState.Completed, done.State);
        Assert.Equal(0, t.Blocked("unblock-needs-approval.example"));
    }

    [Fact]
    public async Task Unblocking_a_URL_blocked_directly_runs_at_once()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        Assert.Equal(ActionState.Completed, (await Remediation.RunAsync(alex, Remediation.Normalize(alex, new UrlBlockRequest { Urls = ["direct-block.example"] }), null, RunSink.None, default)).State);

        var unblocked = await Remediation.RunAsync(alex, Remediation.Normalize(alex, new Kinds.UnblockUrl.UrlUnblockRequest { Urls = ["direct-block.example"] }), null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, unblocked.State);
        Assert.Equal(0, t.Blocked("direct-block.example"));
    }
}
