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
/// The queue's inflow: proposals made by an admin or runbook (New-AirAction), and proposals synced from Defender evidence
/// awaiting approval — each kind builds its own from either. Identical proposals within an hour collapse into one; the
/// same evidence is never queued twice; pending actions past their week expire.
/// </summary>
public static class ProposalService
{
    /// <summary>Pending actions expire one week after they were proposed, as Defender's do.</summary>
    public static readonly TimeSpan PendingLifetime = ActionStateMachine.PendingLifetime;

    /// <summary>An identical proposal within this window collapses into the existing one.</summary>
    public static readonly TimeSpan DedupeWindow = TimeSpan.FromHours(1);

    /// <summary>Queues a request for approval (New-AirAction). Any rejected input refuses the whole proposal: an approver must never be handed one.</summary>
    public static async Task<CreateActionResult> ProposeAsync(AirSession session, NormalizedRequest request, string? reason, string? investigationId, CancellationToken ct)
    {
        var proposal = KindRegistry.For(request.Kind).Propose(request) with
        {
            ProposedBy = session.Identity, Reason = reason, InvestigationId = investigationId,
        };
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await CreateAsync(store, session, proposal, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Turns every piece of evidence awaiting approval on Defender for Office 365 alerts into a pending action. Evidence a
    /// kind cannot turn into a proposal is listed (never silently dropped) and does not keep the rest from being queued.
    /// Pending actions past their week are marked Expired first.
    /// </summary>
    public static async Task<SyncResult> SyncAsync(AirSession session, string? alertId, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var expired = await store.ExpireDueAsync(AuditContexts.For(session), ct).ConfigureAwait(false);
        var created = 0;
        var existing = 0;
        var skipped = new List<string>();
        var context = new EvidenceContext(new SecurityApi(session.Graph), session.Caller, session.Clock);
        var query = new InvestigationQuery { AlertId = alertId, InvestigationStates = alertId is null ? ["pendingApproval"] : [] };
        await foreach (var alert in InvestigationService.GetInvestigationsAsync(session, query, ct).ConfigureAwait(false))
        {
            foreach (var evidence in alert.Evidence.Where(e => e.IsPendingApproval))
            {
                NewProposal? proposal = null;
                try
                {
                    foreach (var kind in KindRegistry.All)
                        if ((proposal = await kind.ProposeAsync(context, alert, evidence, ct).ConfigureAwait(false)) is not null) break;
                }
                catch (Exception e) when (e is AirException or ServiceCallException)
                {
                    skipped.Add($"alert {alert.AlertId} {evidence.Type}: {e.Message}");
                    continue;
                }
                if (proposal is null) continue;   // evidence that AIR does not remediate by approval (mailboxEvidence, …)
                try
                {
                    var r = await CreateAsync(store, session, proposal, ct).ConfigureAwait(false);
                    if (r.Created) created++; else existing++;
                }
                catch (AirException e) when (e.Kind == AirErrorKind.InvalidInput)
                {
                    // One proposal the store refuses (attacker-written text it cannot take) must not keep the others out.
                    skipped.Add($"alert {alert.AlertId} {evidence.Type}: {e.Message}");
                }
            }
        }
        foreach (var s in skipped) AirLog.Current.Warning("Evidence not queued: " + s);
        return new SyncResult(created, existing, expired, skipped);
    }

    /// <summary>Marks pending actions past their week as Expired; returns how many.</summary>
    public static async Task<int> ExpireAsync(AirSession session, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await store.ExpireDueAsync(AuditContexts.For(session), ct).ConfigureAwait(false);
    }

    private static Task<CreateActionResult> CreateAsync(IActionStore store, AirSession session, NewProposal p, CancellationToken ct)
    {
        var now = store.Clock.GetUtcNow();
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
        }, AuditContexts.For(session, p.Reason), ct);
    }
}

/// <summary>What a sync did.</summary>
public sealed record SyncResult(int Created, int AlreadyQueued, int Expired, IReadOnlyList<string> NotQueued);
