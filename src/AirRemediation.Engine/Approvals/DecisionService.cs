using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// An action this session may approve, and what it will do, described from its checked parameters. Only
/// <see cref="DecisionService.EnsureApprovableAsync"/> makes one, so nothing can approve without the checks.
/// </summary>
public sealed class ApprovalCandidate
{
    internal ApprovalCandidate(ActionRecord action, string description, string pin)
    {
        Action = action;
        Description = description;
        Pin = pin;
    }

    public ActionRecord Action { get; }

    public string Description { get; }

    /// <summary>The content pin that was checked; the approval is recorded only while the stored action still has it.</summary>
    internal string Pin { get; }
}

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
        // An undo is described, and checked, by the action it reverses: its content and the undo data its run left.
        var original = action.Kind == ActionKind.Undo
            ? await ActionLookup.GetAsync(store, action.RelatedActionId ?? throw RemediationKind.Tampered(action, "it is an undo that names no action"), ct).ConfigureAwait(false)
            : null;
        var target = original ?? action;
        var kind = KindRegistry.For(target.Kind);
        ActionRequest request;
        try
        {
            request = kind.Revalidate(target, store.Clock.GetUtcNow());
            await PinCheck.EnsureAsync(store, action, items: false, ct).ConfigureAwait(false);
            if (original is not null) await PinCheck.EnsureAsync(store, original, items: true, ct).ConfigureAwait(false);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.Tampered)
        {
            await store.AppendAuditAsync(new AuditEntry(action.Id, "TamperDetected", AuditContexts.For(session, e.Message)), ct).ConfigureAwait(false);
            throw;
        }
        var description = (original is null ? "" : $"Undo of {original.Id}: ") + DisplayText.Safe(kind.Describe(request))
            + (action.InvestigationId is null ? "" : $" (alert {DisplayText.Safe(action.InvestigationId)})");
        return new ApprovalCandidate(action, description, ContentPin.Of(action));
    }

    /// <summary>
    /// Approves an action checked by <see cref="EnsureApprovableAsync"/> and runs it. Exactly one of several racing approvers
    /// wins; the others are told who did. The outcome is posted as a comment on the source alert.
    /// </summary>
    public static async Task<RunSummary> ApproveAsync(AirSession session, ApprovalCandidate candidate, string? comment, RunSink sink, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var action = candidate.Action;
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var who = AuditContexts.For(session, comment);
        var approved = await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Approved, who,
            new ActionChanges { ApprovedBy = session.Identity, ApproverId = session.Principal.Key, DecidedAt = store.Clock.GetUtcNow(), ExpectedPin = candidate.Pin },
            ct).ConfigureAwait(false);
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

        // With an executor app in the policy the decision is all the approver does; the worker verifies it again and runs it.
        if (await ExecutorHandoff.ExecutorOfAsync(store, ct).ConfigureAwait(false) is { } executor)
            return ExecutorHandoff.HandedOff(approved.Action!, executor);
        var summary = await Remediation.ResumeAsync(session, approved.Action!, sink, ct).ConfigureAwait(false);
        if (action.InvestigationId is not null)
            await CommentAsync(session, action.InvestigationId,
                $"AirRemediation: action {action.Id} ({action.Kind}) approved by {session.Identity}{(string.IsNullOrWhiteSpace(comment) ? "" : $" (\"{comment}\")")}; " +
                $"{summary.State}: {summary.Succeeded} succeeded, {summary.Already} already remediated, {summary.Failed} failed, {summary.Skipped} skipped of {summary.Total}." +
                await HeadNoteAsync(store, action.Id, ct).ConfigureAwait(false),
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
            await CommentAsync(session, action.InvestigationId, $"AirRemediation: action {action.Id} ({action.Kind}) denied by {session.Identity}: {reason}" + await HeadNoteAsync(store, action.Id, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        return denied;
    }

    /// <summary>
    /// Sets the store's approval policy. Only a Security Administrator or Global Administrator may; application approvers
    /// are app ids (GUIDs), never names; turning self-approval on takes two of them: the first asks, a second confirms.
    /// Every change is in the trail and announced as a warning.
    /// </summary>
    public static async Task<ApprovalPolicy> SetPolicyAsync(AirSession session, bool? allowSelfApproval, IReadOnlyList<string>? appApprovers, CancellationToken ct)
    {
        var apps = appApprovers?.Select(a => a.Trim()).ToList();
        foreach (var a in apps ?? [])
        {
            if (!Guid.TryParse(a, out _))
                throw new AirException(AirErrorKind.InvalidInput,
                    $"-AppApprover '{DisplayText.Safe(a)}' is not an application (client) id: give the app id GUID. Names are not accepted, because anyone can register an app with any name.");
        }
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        ApprovalRules.EnsurePolicyAdministrator(session);
        var who = AuditContexts.For(session);
        var me = session.Principal.Key;
        if (allowSelfApproval == true && await store.GetSettingAsync(StoreSettings.AllowSelfApproval, ct).ConfigureAwait(false) != "true")
        {
            var requested = await store.GetSettingAsync(StoreSettings.SelfApprovalRequestedBy, ct).ConfigureAwait(false);
            if (requested is null || string.Equals(requested, me, StringComparison.OrdinalIgnoreCase))
            {
                await store.SetSettingAsync(StoreSettings.SelfApprovalRequestedBy, me, who with { Reason = "asks to allow self-approval; a second Security Administrator or Global Administrator must confirm" }, ct).ConfigureAwait(false);
                AirLog.Current.Warning($"Self-approval is NOT on yet: {session.Identity} asked for it, and a second Security Administrator or Global Administrator must confirm with Set-AirApprovalPolicy -AllowSelfApproval $true.");
            }
            else
            {
                await store.SetSettingAsync(StoreSettings.AllowSelfApproval, "true", who with { Reason = $"confirmed by a second administrator (asked by {requested})" }, ct).ConfigureAwait(false);
                await store.SetSettingAsync(StoreSettings.SelfApprovalRequestedBy, null, who, ct).ConfigureAwait(false);
                AirLog.Current.Warning($"Approval policy of {store.Location} changed by {session.Identity}: self-approval is now ON (four-eyes is off for this store).");
            }
        }
        else if (allowSelfApproval == false)
        {
            await store.SetSettingAsync(StoreSettings.AllowSelfApproval, "false", who, ct).ConfigureAwait(false);
            await store.SetSettingAsync(StoreSettings.SelfApprovalRequestedBy, null, who, ct).ConfigureAwait(false);
        }
        if (apps is not null)
        {
            await store.SetSettingAsync(StoreSettings.AppApprovers, apps.Count == 0 ? null : string.Join(",", apps), who, ct).ConfigureAwait(false);
            AirLog.Current.Warning($"Approval policy of {store.Location} changed by {session.Identity}: application approvers are now {(apps.Count == 0 ? "none" : string.Join(", ", apps))}.");
        }
        return await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The trail's head as of this decision (the action's last entry, <c>entry:hash</c>), written on the alert so that a
    /// copy lives outside the store: <c>Test-AirAuditTrail -ExpectedHead</c> later proves the trail was not rewritten.
    /// </summary>
    internal static async Task<string> HeadNoteAsync(IActionStore store, string actionId, CancellationToken ct)
    {
        AuditRecord? last = null;
        await foreach (var e in store.GetAuditAsync(actionId, ct).ConfigureAwait(false)) last = e;
        return last is null ? "" : $" Audit trail head: {AuditAnchor.Format(last.Seq, last.Hash)}.";
    }

    /// <summary>Writes a line on the source alert; a failure to write it is a warning, never a failed decision.</summary>
    internal static async Task CommentAsync(AirSession session, string alertId, string comment, CancellationToken ct)
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
