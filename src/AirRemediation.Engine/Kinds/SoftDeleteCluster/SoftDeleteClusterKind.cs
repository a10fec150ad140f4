using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Kinds.SoftDelete;

namespace AirRemediation.Engine.Kinds.SoftDeleteCluster;

/// <summary>
/// Soft delete email cluster: every message matching a query, in chosen or all mailboxes — or, for a cluster Defender
/// found, the recipient/message pairs its network message ids resolve to.
/// </summary>
internal sealed class SoftDeleteClusterKind : SoftDeleteKind
{
    public override ActionKind Kind => ActionKind.SoftDeleteCluster;

    public override string Activity => "Soft delete email cluster";

    /// <summary>Defender's mailClusterEvidence awaiting approval: its network message ids resolved through analyzedEmails.</summary>
    public override async Task<NewProposal?> ProposeAsync(EvidenceContext context, Investigation alert, EvidenceInfo e, CancellationToken ct)
    {
        if (e.Type != "mailClusterEvidence") return null;
        var pairs = new List<MessageTarget>();
        // analyzedEmails keeps 30 days; the cluster's mail arrived before the alert was raised.
        var end = (alert.CreatedDateTime ?? context.Now).AddDays(1);
        var start = end.AddDays(-31);
        foreach (var batch in e.NetworkMessageIds.Distinct(StringComparer.OrdinalIgnoreCase).Chunk(SecurityApi.NetworkIdsPerQuery))
        {
            var resolved = await context.Caller.CallAsync(null, async t =>
                await context.Security.ResolveNetworkMessagesAsync(batch, start, end, t).ConfigureAwait(false), ct).ConfigureAwait(false);
            pairs.AddRange(resolved.Select(p => new MessageTarget(p.Recipient, p.InternetMessageId)));
        }
        if (pairs.Count == 0)
            throw new AirException(AirErrorKind.NotFound, "none of the cluster's network message ids resolved to a recipient in analyzedEmails.");
        var normalized = Normalize(new SoftDeleteRequest { Messages = pairs }, DateTimeOffset.MinValue);
        var request = (SoftDeleteRequest)normalized.Request;
        // A recipient analyzedEmails reports that is not a mailbox address must not keep the rest of the cluster from being queued.
        foreach (var bad in normalized.Rejected)
            AirLog.Current.Warning($"Alert {alert.AlertId}: cluster message {bad.Input} left out of the proposal: {bad.Error.Message}");
        if (request.Messages.Count == 0)
            throw new AirException(AirErrorKind.InvalidInput, "no recipient/message pair of the cluster is a valid mailbox address and internet message id.");
        return Propose(normalized with { Rejected = [] }) with
        {
            Summary = $"Soft delete the email cluster {e.ClusterByValue} ({request.Messages.Count} message(s) in {request.Messages.Select(m => m.Mailbox).Distinct().Count()} mailbox(es), alert {alert.AlertId})",
            InvestigationId = alert.AlertId,
            EvidenceKey = EvidenceContext.KeyOf(alert, e),
            ProposedBy = EvidenceContext.DefenderProposer,
            Reason = EvidenceContext.ReasonOf(alert, e, e.ClusterBy),
        };
    }
}
