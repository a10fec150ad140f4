using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>An action that may be approved by this session, and what it will do, described from its checked parameters.</summary>
public sealed record ApprovalCandidate(ActionRecord Action, string Description);

/// <summary>
/// The decisions on the queue: approve (four-eyes, role, expiry; then run through the same pipeline as the direct
/// cmdlets and write the outcome back on the alert), deny, and the approval policy.
/// </summary>
public static class DecisionService
{
    /// <summary>
    /// Every reason approving would be refused — not found, not Pending, expired, proposed by this identity (four-eyes),
    /// no approving role — checked without changing anything (also what -WhatIf shows). Returns the action, loaded once.
    /// </summary>
    public static async Task<ApprovalCandidate> EnsureApprovableAsync(AirSession session, string actionId, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var action = await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false);
        var id = action.Id;
        if (action.State != ActionState.Pending)
            throw new AirException(AirErrorKind.InvalidState, ActionStateMachine.DescribeRefusal(id, action.State, ActionState.Approved), id);
        if (action.ExpiresAt is { } exp && exp <= store.Clock.GetUtcNow())
            throw new AirException(AirErrorKind.Expired,
                $"Action {id} expired at {exp:u} (pending actions expire after {ProposalService.PendingLifetime.TotalDays:0} days) and can no longer be approved; propose it again.", id);
        var policy = await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
        ApprovalRules.EnsureNotProposer(session, policy, action);
        ApprovalRules.EnsureApprover(session, policy, "approve");
        // What the approver is asked about comes from the parameters as they will run, checked again — never from the
        // proposer's own summary — with control and bidirectional characters made visible.
        var kind = KindRegistry.For(action.Kind);
        ActionRequest request;
        try
        {
            request = kind.Revalidate(action, store.Clock.GetUtcNow());
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Tampered)
        {
            await store.AppendAuditAsync(new AuditEntry(action.Id, "TamperDetected", AuditContexts.For(session, e.Message)), ct).ConfigureAwait(false);
            throw;
        }
        var description = DisplayText.Safe(kind.Describe(request)) + (action.InvestigationId is null ? "" : $" (alert {DisplayText.Safe(action.InvestigationId)})");
        return new ApprovalCandidate(action, description);
    }

    /// <summary>
    /// Approves an action checked by <see cref="EnsureApprovableAsync"/> and runs it. Exactly one of several racing approvers
    /// wins; the others are told who did. The outcome is posted as a comment on the source alert.
    /// </summary>
    public static async Task<RunSummary> ApproveAsync(AirSession session, ActionRecord action, string? comment, RunSink sink, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var who = AuditContexts.For(session, comment);
        var approved = await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Approved, who,
            new ActionChanges { ApprovedBy = session.Identity, DecidedAt = store.Clock.GetUtcNow() }, ct).ConfigureAwait(false);
        if (!approved.Succeeded)
        {
            if (approved.Outcome == TransitionOutcome.Expired)
                await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Expired, who with { Reason = "Expired before approval." },
                    cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (approved.Outcome == TransitionOutcome.StateMismatch && approved.Action is { ApprovedBy: not null } current)
                throw new AirException(AirErrorKind.InvalidState,
                    $"Action {action.Id} is already {current.State} (approved by {current.ApprovedBy} at {current.DecidedAt:u}); it was not run again.", action.Id);
            approved.EnsureSucceeded();
        }

        var summary = await Remediation.ResumeAsync(session, approved.Action!, sink, ct).ConfigureAwait(false);
        if (action.InvestigationId is not null)
            await CommentAsync(session, action.InvestigationId,
                $"AirRemediation: action {action.Id} ({action.Kind}) approved by {session.Identity}{(string.IsNullOrWhiteSpace(comment) ? "" : $" (\"{comment}\")")}; " +
                $"{summary.State}: {summary.Succeeded} succeeded, {summary.Already} already remediated, {summary.Failed} failed, {summary.Skipped} skipped of {summary.Total}.",
                ct).ConfigureAwait(false);
        return summary;
    }

    /// <summary>Denies a pending action with a reason (recorded in the trail and on the source alert).</summary>
    public static async Task<ActionRecord> DenyAsync(AirSession session, string actionId, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason))
            throw new AirException(AirErrorKind.InvalidInput, "-Reason is required: say why the action is denied.");
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var action = await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false);
        ApprovalRules.EnsureApprover(session, await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false), "deny");
        var r = await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Denied, AuditContexts.For(session, reason),
            new ActionChanges { DecidedAt = store.Clock.GetUtcNow() }, ct).ConfigureAwait(false);
        var denied = r.EnsureSucceeded();
        if (action.InvestigationId is not null)
            await CommentAsync(session, action.InvestigationId, $"AirRemediation: action {action.Id} ({action.Kind}) denied by {session.Identity}: {reason}", ct).ConfigureAwait(false);
        return denied;
    }

    /// <summary>Sets the store's approval policy; only an approver may change who approves.</summary>
    public static async Task<ApprovalPolicy> SetPolicyAsync(AirSession session, bool? allowSelfApproval, IReadOnlyList<string>? appApprovers, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        ApprovalRules.EnsureApprover(session, await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false), "change the approval policy of");
        var who = AuditContexts.For(session);
        if (allowSelfApproval is { } self)
            await store.SetSettingAsync(StoreSettings.AllowSelfApproval, self ? "true" : "false", who, ct).ConfigureAwait(false);
        if (appApprovers is not null)
            await store.SetSettingAsync(StoreSettings.AppApprovers, appApprovers.Count == 0 ? null : string.Join(",", appApprovers), who, ct).ConfigureAwait(false);
        return await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
    }

    /// <summary>Writes a line on the source alert; a failure to write it is a warning, never a failed decision.</summary>
    private static async Task CommentAsync(AirSession session, string alertId, string comment, CancellationToken ct)
    {
        try
        {
            var api = new SecurityApi(session.Graph);
            await session.Caller.CallAsync(null, t => api.AddCommentAsync(alertId, comment, t), ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            AirLog.Current.Warning($"The outcome could not be written back to alert {alertId}: {e.Message}");
        }
    }
}
