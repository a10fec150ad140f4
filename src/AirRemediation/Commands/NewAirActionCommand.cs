using System.Management.Automation;
using AirRemediation.Engine;
using AirRemediation.Engine.Forwarding;
using AirRemediation.Engine.UrlBlock;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.SoftDelete;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Queues a remediation action for approval by someone else, instead of running it. An identical proposal within an
/// hour collapses into the one already queued.
/// </summary>
[Cmdlet(VerbsCommon.New, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AirAction))]
public sealed class NewAirActionCommand : AirCmdlet
{
    /// <summary>What to propose: SoftDeleteEmail, SoftDeleteCluster, BlockUrl or DisableForwarding.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("SoftDeleteEmail", "SoftDeleteCluster", "BlockUrl", "DisableForwarding")]
    public string Kind { get; set; } = "";

    /// <summary>Mailbox(es): SoftDeleteEmail, SoftDeleteCluster (or -AllMailboxes), DisableForwarding.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Mailbox { get; set; } = [];

    /// <summary>Internet message id(s): SoftDeleteEmail (required) or SoftDeleteCluster (a query condition).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] InternetMessageId { get; set; } = [];

    /// <summary>SoftDeleteCluster: search every mailbox.</summary>
    [Parameter]
    public SwitchParameter AllMailboxes { get; set; }

    /// <summary>SoftDeleteCluster: sender address.</summary>
    [Parameter]
    public string? Sender { get; set; }

    /// <summary>SoftDeleteCluster: sender domain.</summary>
    [Parameter]
    public string? SenderDomain { get; set; }

    /// <summary>SoftDeleteCluster: subject (exact).</summary>
    [Parameter]
    public string? Subject { get; set; }

    /// <summary>SoftDeleteCluster: received at or after.</summary>
    [Parameter]
    public DateTimeOffset? ReceivedAfter { get; set; }

    /// <summary>SoftDeleteCluster: received before.</summary>
    [Parameter]
    public DateTimeOffset? ReceivedBefore { get; set; }

    /// <summary>SoftDeleteCluster: safety limit (default 10,000).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxMessages { get; set; } = 10_000;

    /// <summary>BlockUrl: the URL entries.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Url { get; set; } = [];

    /// <summary>BlockUrl: when the entries expire (default: Microsoft's 30 days).</summary>
    [Parameter]
    public DateTimeOffset? ExpiresOn { get; set; }

    /// <summary>BlockUrl: entries never expire.</summary>
    [Parameter]
    public SwitchParameter NoExpiration { get; set; }

    /// <summary>BlockUrl: a note stored with the entries.</summary>
    [Parameter]
    public string? Note { get; set; }

    /// <summary>DisableForwarding: also stop forwarding to internal addresses.</summary>
    [Parameter]
    public SwitchParameter IncludeInternal { get; set; }

    /// <summary>DisableForwarding: delete forwarding rules instead of disabling them.</summary>
    [Parameter]
    public SwitchParameter RemoveRule { get; set; }

    /// <summary>Why the action is proposed (shown to the approver and in the audit trail).</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The Defender alert the proposal belongs to.</summary>
    [Parameter]
    [Alias("AlertId")]
    public string? InvestigationId { get; set; }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var proposal = Kind switch
        {
            "SoftDeleteEmail" => SoftDeleteEmail(),
            "SoftDeleteCluster" => SoftDeleteCluster(),
            "BlockUrl" => BlockUrl(),
            _ => DisableForwarding(),
        };
        proposal = proposal with { InvestigationId = InvestigationId, Reason = Reason };
        if (!Confirm(proposal.Summary, "Queue for approval")) return;
        var r = await ApprovalService.ProposeAsync(session, proposal, ct).ConfigureAwait(false);
        if (!r.Created)
            Post(() => WriteWarning($"An identical proposal is already queued as {r.Action.Id} ({r.MatchedOn}); no new action was created."));
        Emit(ActionMapper.ToOutput(r.Action));
    }

    private NewProposal SoftDeleteEmail()
    {
        if (Mailbox.Length == 0 || InternetMessageId.Length == 0)
            throw new AirException(AirErrorKind.InvalidInput, "-Kind SoftDeleteEmail needs -Mailbox and -InternetMessageId.");
        var n = new SoftDeleteRequest { Messages = [.. Mailbox.SelectMany(m => InternetMessageId.Select(i => new MessageTarget(m, i)))] }.Normalize();
        ThrowFirstRejected(n);
        return new NewProposal
        {
            Kind = ActionKind.SoftDeleteEmail, ParametersJson = n.Request.ToJson(), DedupeKey = n.Request.DedupeKey(),
            Summary = $"Soft delete {n.Request.Messages.Count} message(s) in {n.Request.Messages.Select(m => m.Mailbox).Distinct().Count()} mailbox(es)",
        };
    }

    private NewProposal SoftDeleteCluster()
    {
        var n = new SoftDeleteRequest
        {
            Query = new ClusterQuery
            {
                Sender = Sender, SenderDomain = SenderDomain, Subject = Subject, ReceivedAfter = ReceivedAfter, ReceivedBefore = ReceivedBefore,
                InternetMessageIds = InternetMessageId,
            },
            Mailboxes = Mailbox,
            AllMailboxes = AllMailboxes,
            MaxMessages = MaxMessages,
        }.Normalize();
        ThrowFirstRejected(n);
        return new NewProposal
        {
            Kind = ActionKind.SoftDeleteCluster, ParametersJson = n.Request.ToJson(), DedupeKey = n.Request.DedupeKey(),
            Summary = $"Soft delete messages matching {n.Request.Query!.Describe()} in {(n.Request.AllMailboxes ? "all mailboxes" : $"{n.Request.Mailboxes.Count} mailbox(es)")} (at most {MaxMessages})",
        };
    }

    private NewProposal BlockUrl()
    {
        if (Url.Length == 0) throw new AirException(AirErrorKind.InvalidInput, "-Kind BlockUrl needs -Url.");
        // The same validation as Block-AirUrl, now: an approver should never be handed an entry the list will refuse.
        var n = new UrlBlockRequest { Urls = Url, ExpiresOn = ExpiresOn, NoExpiration = NoExpiration, Note = Note }.Normalize(DateTimeOffset.UtcNow);
        if (n.Rejected.Count > 0)
            throw new AirException(AirErrorKind.InvalidInput, $"URL entry '{n.Rejected[0].Entry}' is not valid: {n.Rejected[0].Reason}", n.Rejected[0].Entry);
        var entries = n.Request.Urls.ToArray();
        return new NewProposal
        {
            Kind = ActionKind.BlockUrl,
            ParametersJson = n.Request.ToJson(),
            DedupeKey = "BlockUrl:" + string.Join("|", entries.Select(e => e.ToLowerInvariant()).Order(StringComparer.Ordinal)),
            Summary = $"Block {entries.Length} URL(s) at time of click: {string.Join(", ", entries.Take(3))}{(entries.Length > 3 ? ", …" : "")}",
        };
    }

    private NewProposal DisableForwarding()
    {
        if (Mailbox.Length == 0) throw new AirException(AirErrorKind.InvalidInput, "-Kind DisableForwarding needs -Mailbox.");
        var mailboxes = Mailbox.Select(Addresses.NormalizeMailbox).Distinct(StringComparer.Ordinal).ToArray();
        return new NewProposal
        {
            Kind = ActionKind.DisableForwarding,
            ParametersJson = new ForwardingRequest { Mailboxes = mailboxes, IncludeInternal = IncludeInternal, RemoveRule = RemoveRule }.ToJson(),
            DedupeKey = "DisableForwarding:" + string.Join("|", mailboxes.Order(StringComparer.Ordinal)) + (IncludeInternal ? "|internal" : "") + (RemoveRule ? "|remove" : ""),
            Summary = $"Turn off {(IncludeInternal ? "all" : "external")} forwarding of {string.Join(", ", mailboxes.Take(3))}{(mailboxes.Length > 3 ? ", …" : "")}",
        };
    }

    private static void ThrowFirstRejected(SoftDeleteRequest.Normalized n)
    {
        if (n.Rejected.Count > 0) throw n.Rejected[0].Error;
    }
}
