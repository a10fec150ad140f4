using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Forwarding;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.UrlBlock;

namespace AirRemediation.Engine.Approvals;

/// <summary>Proposals for the Exchange-side kinds (URL block, forwarding), built from alert evidence.</summary>
internal static class ProposalKinds
{
    public static NewProposal BlockUrl(Investigation alert, EvidenceInfo e, string evidenceKey)
    {
        if (string.IsNullOrWhiteSpace(e.Url))
            throw new AirException(AirErrorKind.InvalidInput, "the URL evidence has no URL.");
        var check = UrlEntryValidator.Check(ToBlockEntry(e.Url));
        if (!check.IsValid)
            throw new AirException(AirErrorKind.InvalidInput, $"the URL '{e.Url}' cannot be a Tenant Allow/Block List entry: {check.Reason}");
        var entry = check.Entry;
        var parameters = new UrlBlockRequest { Urls = [entry], Note = $"AIR alert {alert.AlertId}" }.ToJson();
        return new NewProposal
        {
            Kind = ActionKind.BlockUrl, ParametersJson = parameters, DedupeKey = "BlockUrl:" + entry.ToLowerInvariant(),
            Summary = $"Block URL {entry} at time of click (alert {alert.AlertId})", InvestigationId = alert.AlertId, EvidenceKey = evidenceKey,
            ProposedBy = ApprovalService.DefenderProposer, Reason = $"Evidence urlEvidence pending approval on alert '{alert.Title}'.",
        };
    }

    public static NewProposal DisableForwarding(Investigation alert, EvidenceInfo e, string evidenceKey)
    {
        if (string.IsNullOrWhiteSpace(e.MailboxAddress))
            throw new AirException(AirErrorKind.InvalidInput, "the mailbox configuration evidence names no mailbox.");
        var mailbox = e.MailboxAddress.ToLowerInvariant();
        var parameters = new ForwardingRequest { Mailboxes = [mailbox] }.ToJson();
        return new NewProposal
        {
            Kind = ActionKind.DisableForwarding, ParametersJson = parameters, DedupeKey = "DisableForwarding:" + mailbox,
            Summary = $"Turn off external forwarding of {mailbox} (rule '{e.DisplayName}', alert {alert.AlertId})", InvestigationId = alert.AlertId,
            EvidenceKey = evidenceKey, ProposedBy = ApprovalService.DefenderProposer,
            Reason = $"Evidence mailboxConfigurationEvidence ({e.ConfigurationType}) pending approval on alert '{alert.Title}'.",
        };
    }

    /// <summary>A Tenant Allow/Block List entry for a URL from evidence: no scheme (the list refuses protocols), no trailing slash.</summary>
    public static string ToBlockEntry(string url)
    {
        var u = url.Trim();
        var scheme = u.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) u = u[(scheme + 3)..];
        return u.TrimEnd('/');
    }
}
