using System.Runtime.CompilerServices;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.SoftDelete;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// The action center: investigations from Defender, proposals synced from their evidence or made by hand, and the
/// decisions on them — approve (four-eyes, role, expiry; then run through the same executor as the direct cmdlets
/// and write the outcome back on the alert) or deny.
/// </summary>
public static class ApprovalService
{
    /// <summary>Pending actions expire one week after they were proposed, as Defender's do.</summary>
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromDays(7);

    /// <summary>An identical proposal within this window collapses into the existing one.</summary>
    public static readonly TimeSpan DedupeWindow = TimeSpan.FromHours(1);

    /// <summary>Who proposes what Defender's evidence asks for.</summary>
    public const string DefenderProposer = "Microsoft Defender AIR";

    /// <summary>Defender alerts with their evidence, page by page.</summary>
    public static async IAsyncEnumerable<Investigation> GetInvestigationsAsync(AirSession session, InvestigationQuery query,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var api = new SecurityApi(session.Graph);
        var caller = NewCaller(session);
        if (query.AlertId is not null)
        {
            var one = await caller.CallAsync<Investigation>(null, t => api.GetAlertAsync(query.AlertId, t), ct).ConfigureAwait(false);
            yield return one;
            yield break;
        }
        string? next = null;
        do
        {
            var page = await caller.CallAsync(null, async t =>
            {
                var (items, link) = await api.ListAlertsPageAsync(query, next, t).ConfigureAwait(false);
                return new AlertPage(items, link);
            }, ct).ConfigureAwait(false);
            foreach (var i in page.Items)
            {
                if (query.InvestigationStates.Count > 0 && !query.InvestigationStates.Contains(i.InvestigationState ?? "", StringComparer.OrdinalIgnoreCase)) continue;
                yield return i;
            }
            next = page.NextLink;
        } while (next is not null);
    }

    private sealed record AlertPage(IReadOnlyList<Investigation> Items, string? NextLink);

    /// <summary>
    /// Turns every piece of evidence awaiting approval on Defender for Office 365 alerts into a pending action.
    /// The same evidence is never queued twice; an identical proposal within an hour collapses into the existing one.
    /// Pending actions past their week are marked Expired first.
    /// </summary>
    public static async Task<SyncResult> SyncAsync(AirSession session, string? alertId, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var who = ActionRun.WhoFor(session);
        var expired = await store.ExpireDueAsync(who, ct).ConfigureAwait(false);
        var created = 0;
        var existing = 0;
        var skipped = new List<string>();
        var api = new SecurityApi(session.Graph);
        var caller = NewCaller(session);
        var query = new InvestigationQuery { AlertId = alertId, InvestigationStates = alertId is null ? ["pendingApproval"] : [] };
        await foreach (var alert in GetInvestigationsAsync(session, query, ct).ConfigureAwait(false))
        {
            foreach (var evidence in alert.Evidence.Where(e => e.IsPendingApproval))
            {
                NewProposal? proposal;
                try
                {
                    proposal = await ProposalFromEvidenceAsync(alert, evidence, api, caller, ct).ConfigureAwait(false);
                }
                catch (AirException e)
                {
                    skipped.Add($"alert {alert.AlertId} {evidence.Type}: {e.Message}");
                    continue;
                }
                catch (ServiceCallException e)
                {
                    skipped.Add($"alert {alert.AlertId} {evidence.Type}: {e.Message}");
                    continue;
                }
                if (proposal is null) continue;
                var r = await CreateAsync(store, session, proposal, ct).ConfigureAwait(false);
                if (r.Created) created++; else existing++;
            }
        }
        foreach (var s in skipped) AirLog.Current.Warning("Evidence not queued: " + s);
        return new SyncResult(created, existing, expired, skipped);
    }

    /// <summary>Marks pending actions past their week as Expired; returns how many.</summary>
    public static async Task<int> ExpireAsync(AirSession session, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await store.ExpireDueAsync(ActionRun.WhoFor(session), ct).ConfigureAwait(false);
    }

    /// <summary>Queues a proposal (New-AirAction), collapsing into an identical one from the last hour.</summary>
    public static async Task<CreateActionResult> ProposeAsync(AirSession session, NewProposal proposal, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await CreateAsync(store, session, proposal with { ProposedBy = proposal.ProposedBy ?? session.Identity }, ct).ConfigureAwait(false);
    }

    private static Task<CreateActionResult> CreateAsync(IActionStore store, AirSession session, NewProposal p, CancellationToken ct)
    {
        var now = store.Clock.GetUtcNow();
        var who = ActionRun.WhoFor(session, p.Reason);
        return store.CreateActionAsync(new NewAction
        {
            Kind = p.Kind,
            InitialState = ActionState.Pending,
            ProposedBy = p.ProposedBy,
            ExpiresAt = now + PendingLifetime,
            InvestigationId = p.InvestigationId,
            EvidenceKey = p.EvidenceKey,
            DedupeKey = p.DedupeKey,
            DedupeSince = now - DedupeWindow,
            ParametersJson = p.ParametersJson,
            Summary = p.Summary,
        }, who, ct);
    }

    private static async Task<NewProposal?> ProposalFromEvidenceAsync(Investigation alert, EvidenceInfo e, SecurityApi api, ServiceCaller caller, CancellationToken ct)
    {
        var evidenceKey = $"{alert.AlertId}|{e.NaturalKey}";
        switch (e.Type)
        {
            case "analyzedMessageEvidence":
            {
                if (e.RecipientEmailAddress is null || e.InternetMessageId is null)
                    throw new AirException(AirErrorKind.InvalidInput, "the message evidence has no recipient or internet message id.");
                var request = new SoftDeleteRequest { Messages = [new MessageTarget(e.RecipientEmailAddress, e.InternetMessageId)] }.Normalize().Request;
                return new NewProposal
                {
                    Kind = ActionKind.SoftDeleteEmail, ParametersJson = request.ToJson(), DedupeKey = request.DedupeKey(),
                    Summary = $"Soft delete \"{e.Subject}\" from {e.RecipientEmailAddress} (alert {alert.AlertId})",
                    InvestigationId = alert.AlertId, EvidenceKey = evidenceKey, ProposedBy = DefenderProposer,
                    Reason = $"Evidence {e.Type} pending approval on alert '{alert.Title}'.",
                };
            }
            case "mailClusterEvidence":
            {
                var pairs = new List<MessageTarget>();
                foreach (var nmid in e.NetworkMessageIds)
                {
                    var resolved = await caller.CallAsync(null, async t =>
                        (IReadOnlyList<(string, string)>)await api.ResolveNetworkMessageAsync(nmid, t).ConfigureAwait(false), ct).ConfigureAwait(false);
                    pairs.AddRange(resolved.Select(p => new MessageTarget(p.Item1, p.Item2)));
                }
                if (pairs.Count == 0)
                    throw new AirException(AirErrorKind.NotFound, "none of the cluster's network message ids resolved to a recipient in analyzedEmails.");
                var request = new SoftDeleteRequest { Messages = pairs }.Normalize().Request;
                return new NewProposal
                {
                    Kind = ActionKind.SoftDeleteCluster, ParametersJson = request.ToJson(), DedupeKey = "Cluster:" + request.DedupeKey(),
                    Summary = $"Soft delete the email cluster {e.ClusterByValue} ({request.Messages.Count} message(s) in {request.Messages.Select(m => m.Mailbox).Distinct().Count()} mailbox(es), alert {alert.AlertId})",
                    InvestigationId = alert.AlertId, EvidenceKey = evidenceKey, ProposedBy = DefenderProposer,
                    Reason = $"Evidence {e.Type} ({e.ClusterBy}) pending approval on alert '{alert.Title}'.",
                };
            }
            case "urlEvidence":
                return ProposalKinds.BlockUrl(alert, e, evidenceKey);
            case "mailboxConfigurationEvidence" when string.Equals(e.ConfigurationType, "mailForwardingRule", StringComparison.OrdinalIgnoreCase):
                return ProposalKinds.DisableForwarding(alert, e, evidenceKey);
            default:
                return null;   // evidence that AIR does not remediate by approval (mailboxEvidence, …)
        }
    }

    /// <summary>
    /// Approves and runs an action: refused unless the approver is not the proposer (four-eyes; a store policy may
    /// allow self-approval), holds an approving role, and the action has not expired. Exactly one of several racing
    /// approvers wins; the others are told who did. The outcome is posted as a comment on the source alert.
    /// </summary>
    public static async Task<RunSummary> ApproveAsync(AirSession session, string actionId, string? comment, RunSink sink, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var action = await EnsureApprovableAsync(session, store, actionId, ct).ConfigureAwait(false);
        var who = ActionRun.WhoFor(session, comment);
        var now = store.Clock.GetUtcNow();
        var approved = await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Approved, who,
            new ActionChanges { ApprovedBy = session.Identity, DecidedAt = now }, ct).ConfigureAwait(false);
        if (!approved.Succeeded)
        {
            if (approved.Outcome == TransitionOutcome.Expired)
            {
                await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Expired, who with { Reason = "Expired before approval." },
                    cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            if (approved.Outcome == TransitionOutcome.StateMismatch && approved.Action is { } current && current.ApprovedBy is not null)
                throw new AirException(AirErrorKind.InvalidState,
                    $"Action {action.Id} is already {current.State} (approved by {current.ApprovedBy} at {current.DecidedAt:u}); it was not run again.", action.Id);
            approved.EnsureSucceeded();
        }

        var summary = await ActionService.ResumeAsync(session, action.Id, sink, ct).ConfigureAwait(false);
        if (action.InvestigationId is not null)
        {
            await CommentAsync(session, action.InvestigationId,
                $"AirRemediation: action {action.Id} ({action.Kind}) approved by {session.Identity}{(string.IsNullOrWhiteSpace(comment) ? "" : $" (\"{comment}\")")}; " +
                $"{summary.State}: {summary.Succeeded} succeeded, {summary.Already} already remediated, {summary.Failed} failed, {summary.Skipped} skipped of {summary.Total}.",
                ct).ConfigureAwait(false);
        }
        return summary;
    }

    /// <summary>Denies a pending action with a reason (recorded in the trail and on the source alert).</summary>
    public static async Task<ActionRecord> DenyAsync(AirSession session, string actionId, string reason, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason))
            throw new AirException(AirErrorKind.InvalidInput, "-Reason is required: say why the action is denied.");
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var id = ActionId.Normalize(actionId);
        var action = await store.GetActionAsync(id, ct).ConfigureAwait(false)
            ?? throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store ({store.Location}).", id);
        EnsureRole(session, await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false), "deny");
        var r = await store.TryTransitionAsync(id, [ActionState.Pending], ActionState.Denied, ActionRun.WhoFor(session, reason),
            new ActionChanges { DecidedAt = store.Clock.GetUtcNow() }, ct).ConfigureAwait(false);
        var denied = r.EnsureSucceeded();
        if (action.InvestigationId is not null)
            await CommentAsync(session, action.InvestigationId, $"AirRemediation: action {id} ({action.Kind}) denied by {session.Identity}: {reason}", ct).ConfigureAwait(false);
        return denied;
    }

    /// <summary>What -WhatIf of Approve-AirAction checks: every refusal reason, without changing anything.</summary>
    public static async Task<ActionRecord> EnsureApprovableAsync(AirSession session, IActionStore store, string actionId, CancellationToken ct)
    {
        var id = ActionId.Normalize(actionId);
        var action = await store.GetActionAsync(id, ct).ConfigureAwait(false)
            ?? throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store ({store.Location}).", id);
        if (action.State != ActionState.Pending)
            throw new AirException(AirErrorKind.InvalidState, ActionStateMachine.DescribeRefusal(id, action.State, ActionState.Approved), id);
        if (action.ExpiresAt is { } exp && exp <= store.Clock.GetUtcNow())
            throw new AirException(AirErrorKind.Expired,
                $"Action {id} expired at {exp:u} (pending actions expire after {PendingLifetime.TotalDays:0} days) and can no longer be approved; propose it again.", id);
        var policy = await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
        if (!policy.AllowSelfApproval && string.Equals(action.ProposedBy, session.Identity, StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"Action {id} was proposed by {action.ProposedBy}; four-eyes approval needs someone else to approve it. (A single-admin tenant can allow self-approval with Set-AirApprovalPolicy -AllowSelfApproval.)", id);
        EnsureRole(session, policy, "approve");
        return action;
    }

    private static void EnsureRole(AirSession session, ApprovalPolicy policy, string verb)
    {
        if (session.IsUser)
        {
            if (!session.GraphClaims.DirectoryRoleIds.Any(DirectoryRoles.Approvers.Contains))
                throw new AirException(AirErrorKind.ApprovalRefused,
                    $"{session.Identity} cannot {verb} remediation actions: that needs the Security Administrator, Security Operator or Global Administrator role, and the signed-in user has {(session.GraphClaims.DirectoryRoleIds.Count == 0 ? "no directory role" : string.Join(", ", session.GraphClaims.DirectoryRoleIds.Select(DirectoryRoles.NameOf)))}.",
                    session.Identity);
            return;
        }
        var appIds = new[] { session.ClientId, session.GraphClaims.AppId, session.Identity }.Where(x => x is not null);
        if (!policy.AppApprovers.Any(a => appIds.Contains(a, StringComparer.OrdinalIgnoreCase)))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"The application {session.Identity} ({session.ClientId}) cannot {verb} remediation actions: applications approve only when the store's policy names them (Set-AirApprovalPolicy -AppApprover).",
                session.Identity);
    }

    /// <summary>Sets the store's approval policy; only an approver may change who approves.</summary>
    public static async Task<ApprovalPolicy> SetPolicyAsync(AirSession session, bool? allowSelfApproval, IReadOnlyList<string>? appApprovers, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var current = await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
        EnsureRole(session, current, "change the approval policy of");
        var who = ActionRun.WhoFor(session);
        if (allowSelfApproval is { } self)
            await store.SetSettingAsync(StoreSettings.AllowSelfApproval, self ? "true" : "false", who, ct).ConfigureAwait(false);
        if (appApprovers is not null)
            await store.SetSettingAsync(StoreSettings.AppApprovers, appApprovers.Count == 0 ? null : string.Join(",", appApprovers), who, ct).ConfigureAwait(false);
        return await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
    }

    private static async Task CommentAsync(AirSession session, string alertId, string comment, CancellationToken ct)
    {
        try
        {
            var api = new SecurityApi(session.Graph);
            await NewCaller(session).CallAsync(null, t => api.AddCommentAsync(alertId, comment, t), ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            AirLog.Current.Warning($"The outcome could not be written back to alert {alertId}: {e.Message}");
        }
    }

    /// <summary>For the current sign-in: which actions it can run and approve, and what is missing.</summary>
    public static IReadOnlyList<PermissionCheck> CheckPermissions(AirSession session, ApprovalPolicy? policy) =>
        PermissionChecker.Check(session, policy);

    private static ServiceCaller NewCaller(AirSession session)
    {
        var options = new RetryOptions();
        var metrics = new ExecutionMetrics();
        return new ServiceCaller(options, new ThrottleRegistry(options, session.Clock, metrics), metrics);
    }
}

/// <summary>What a sync did.</summary>
public sealed record SyncResult(int Created, int AlreadyQueued, int Expired, IReadOnlyList<string> NotQueued);
