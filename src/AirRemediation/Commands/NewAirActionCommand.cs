using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Queues a remediation action for approval by someone else, instead of running it. One parameter set per kind, chosen
/// by its switch (-SoftDeleteEmail, -SoftDeleteCluster, -BlockUrl, -DisableForwarding); the kind checks the request and
/// builds the proposal. An identical proposal within an hour collapses into the one already queued.
/// </summary>
[Cmdlet(VerbsCommon.New, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AirAction))]
public sealed class NewAirActionCommand : AirCmdlet
{
    private const string EmailSet = "SoftDeleteEmail";
    private const string ClusterMailboxSet = "SoftDeleteClusterMailbox";
    private const string ClusterAllSet = "SoftDeleteClusterAll";
    private const string UrlSet = "BlockUrl";
    private const string ForwardingSet = "DisableForwarding";

    /// <summary>Propose soft deleting specific messages (-Mailbox with -InternetMessageId).</summary>
    [Parameter(ParameterSetName = EmailSet, Mandatory = true)]
    public SwitchParameter SoftDeleteEmail { get; set; }

    /// <summary>Propose soft deleting every message matching a query in chosen mailboxes (-Mailbox) or all (-AllMailboxes).</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet, Mandatory = true)]
    [Parameter(ParameterSetName = ClusterAllSet, Mandatory = true)]
    public SwitchParameter SoftDeleteCluster { get; set; }

    /// <summary>Propose blocking URLs at time of click (-Url).</summary>
    [Parameter(ParameterSetName = UrlSet, Mandatory = true)]
    public SwitchParameter BlockUrl { get; set; }

    /// <summary>Propose turning off external mail forwarding of mailboxes (-Mailbox).</summary>
    [Parameter(ParameterSetName = ForwardingSet, Mandatory = true)]
    public SwitchParameter DisableForwarding { get; set; }

    /// <summary>Mailbox(es): the messages' mailboxes (-SoftDeleteEmail), the mailboxes to search (-SoftDeleteCluster), or whose forwarding to turn off (-DisableForwarding).</summary>
    [Parameter(ParameterSetName = EmailSet, Mandatory = true)]
    [Parameter(ParameterSetName = ClusterMailboxSet, Mandatory = true)]
    [Parameter(ParameterSetName = ForwardingSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Mailbox { get; set; } = [];

    /// <summary>Internet message id(s): the messages (-SoftDeleteEmail), or a query condition (-SoftDeleteCluster).</summary>
    [Parameter(ParameterSetName = EmailSet, Mandatory = true)]
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    [ValidateNotNullOrEmpty]
    public string[] InternetMessageId { get; set; } = [];

    /// <summary>-SoftDeleteCluster: search every mailbox.</summary>
    [Parameter(ParameterSetName = ClusterAllSet, Mandatory = true)]
    public SwitchParameter AllMailboxes { get; set; }

    /// <summary>-SoftDeleteCluster: sender address.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    [ValidateNotNullOrEmpty]
    public string? Sender { get; set; }

    /// <summary>-SoftDeleteCluster: sender domain.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    [ValidateNotNullOrEmpty]
    public string? SenderDomain { get; set; }

    /// <summary>-SoftDeleteCluster: subject, matched as -SubjectMatch says.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    [ValidateNotNullOrEmpty]
    public string? Subject { get; set; }

    /// <summary>-SoftDeleteCluster: how -Subject is matched — Exact (default), Contains or StartsWith.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    // Plain strings: the Engine's types load in the module's own load context, out of reach of parameter binding.
    [ValidateSet("Exact", "Contains", "StartsWith")]
    public string SubjectMatch { get; set; } = "Exact";

    /// <summary>-SoftDeleteCluster: received at or after.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    public DateTimeOffset? ReceivedAfter { get; set; }

    /// <summary>-SoftDeleteCluster: received before.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    public DateTimeOffset? ReceivedBefore { get; set; }

    /// <summary>-SoftDeleteCluster: safety limit (default 10,000).</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxMessages { get; set; } = 10_000;

    /// <summary>-SoftDeleteCluster: how the run, once approved, finds the mailboxes to search — Auto, MessageTrace or FullScan.
    /// Part of what is approved: the approver sees it, and it cannot be changed afterwards.</summary>
    [Parameter(ParameterSetName = ClusterMailboxSet)]
    [Parameter(ParameterSetName = ClusterAllSet)]
    [ValidateSet("Auto", "MessageTrace", "FullScan")]
    public string Discovery { get; set; } = "Auto";

    /// <summary>-BlockUrl: the URL entries.</summary>
    [Parameter(ParameterSetName = UrlSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Url { get; set; } = [];

    /// <summary>-BlockUrl: when the entries expire (default: Microsoft's 30 days).</summary>
    [Parameter(ParameterSetName = UrlSet)]
    public DateTimeOffset? ExpiresOn { get; set; }

    /// <summary>-BlockUrl: entries never expire.</summary>
    [Parameter(ParameterSetName = UrlSet)]
    public SwitchParameter NoExpiration { get; set; }

    /// <summary>-BlockUrl: a note stored with the entries.</summary>
    [Parameter(ParameterSetName = UrlSet)]
    public string? Note { get; set; }

    /// <summary>-DisableForwarding: also stop forwarding to internal addresses.</summary>
    [Parameter(ParameterSetName = ForwardingSet)]
    public SwitchParameter IncludeInternal { get; set; }

    /// <summary>-DisableForwarding: delete forwarding rules instead of disabling them.</summary>
    [Parameter(ParameterSetName = ForwardingSet)]
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
        var request = Remediation.Normalize(session, Request());
        var summary = Remediation.Describe(request);
        if (!Confirm(summary, "Queue for approval")) return;
        var r = await ProposalService.ProposeAsync(session, request, Reason, InvestigationId, ct).ConfigureAwait(false);
        if (!r.Created)
            Post(() => WriteWarning($"An identical proposal is already queued as {r.Action.Id} ({r.MatchedOn}); no new action was created."));
        Emit(ActionMapper.ToOutput(r.Action));
    }

    private ActionRequest Request() => ParameterSetName switch
    {
        EmailSet => new SoftDeleteRequest { Messages = [.. Mailbox.SelectMany(m => InternetMessageId.Select(i => new MessageTarget(m, i)))] },
        ClusterMailboxSet or ClusterAllSet => new SoftDeleteRequest
        {
            Query = new ClusterQuery
            {
                Sender = Sender, SenderDomain = SenderDomain, Subject = Subject, SubjectMatch = Enum.Parse<SubjectMatch>(SubjectMatch, ignoreCase: true),
                ReceivedAfter = ReceivedAfter, ReceivedBefore = ReceivedBefore, InternetMessageIds = InternetMessageId,
            },
            Mailboxes = Mailbox,
            AllMailboxes = AllMailboxes,
            MaxMessages = MaxMessages,
            Discovery = Enum.Parse<ClusterDiscovery>(Discovery, ignoreCase: true),
        },
        UrlSet => new UrlBlockRequest { Urls = Url, ExpiresOn = ExpiresOn, NoExpiration = NoExpiration, Note = Note },
        _ => new ForwardingRequest { Mailboxes = Mailbox, IncludeInternal = IncludeInternal, RemoveRule = RemoveRule },
    };
}
