using AirRemediation.Engine;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Soft deletes email: specific messages of mailboxes, or every message matching a cluster query in chosen or all
/// mailboxes. Soft delete = move to Recoverable Items\Deletions, recoverable by the user and by admins.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "AirSoftDelete", DefaultParameterSetName = ByMessage,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirMessageResult), typeof(AirRunSummary))]
public sealed class InvokeAirSoftDeleteCommand : AirCmdlet
{
    private const string ByMessage = "ByMessage";
    private const string ClusterMailbox = "ClusterMailbox";
    private const string ClusterAll = "ClusterAll";

    private readonly List<MessageTarget> pairs = [];
    private readonly List<string> mailboxes = [];
    private readonly List<string> clusterIds = [];

    /// <summary>Mailbox(es) (UPN or primary SMTP address). Binds from pipeline objects with a Mailbox (or UserPrincipalName, RecipientEmailAddress) property.</summary>
    [Parameter(ParameterSetName = ByMessage, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ClusterMailbox, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("UserPrincipalName", "PrimarySmtpAddress", "RecipientEmailAddress", "Recipient")]
    [ArgumentCompleter(typeof(MailboxCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Mailbox { get; set; } = [];

    /// <summary>Internet message id(s) (&lt;id@host&gt;; angle brackets are added when missing).</summary>
    [Parameter(ParameterSetName = ByMessage, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ClusterMailbox, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ClusterAll)]
    [ValidateNotNullOrEmpty]
    public string[] InternetMessageId { get; set; } = [];

    /// <summary>Search every mailbox in the tenant.</summary>
    [Parameter(ParameterSetName = ClusterAll, Mandatory = true)]
    public SwitchParameter AllMailboxes { get; set; }

    /// <summary>Cluster: sender address (exact).</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    [ValidateNotNullOrEmpty]
    public string? Sender { get; set; }

    /// <summary>Cluster: sender domain (matched by the module, as Graph cannot filter messages by domain).</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    [ValidateNotNullOrEmpty]
    public string? SenderDomain { get; set; }

    /// <summary>Cluster: subject (exact match).</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    [ValidateNotNullOrEmpty]
    public string? Subject { get; set; }

    /// <summary>Cluster: how -Subject is matched — Exact (default), Contains or StartsWith.</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    // Plain strings: the Engine's types load in the module's own load context, out of reach of parameter binding.
    [ValidateSet("Exact", "Contains", "StartsWith")]
    public string SubjectMatch { get; set; } = "Exact";

    /// <summary>Cluster: received at or after this time.</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    public DateTimeOffset? ReceivedAfter { get; set; }

    /// <summary>Cluster: received before this time.</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    public DateTimeOffset? ReceivedBefore { get; set; }

    /// <summary>Safety limit: stop after this many messages (default 10,000).</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxMessages { get; set; } = 10_000;

    /// <summary>Cluster: how the mailboxes to search are found — Auto (message trace when it can serve the query), MessageTrace or FullScan.</summary>
    [Parameter(ParameterSetName = ClusterMailbox)]
    [Parameter(ParameterSetName = ClusterAll)]
    [ValidateSet("Auto", "MessageTrace", "FullScan")]
    public string Discovery { get; set; } = "Auto";

    /// <summary>Skip the confirmation prompt (-WhatIf still only reports).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        if (ParameterSetName == ByMessage)
        {
            foreach (var m in Mailbox)
                foreach (var id in InternetMessageId)
                    pairs.Add(new MessageTarget(m, id));
        }
        else
        {
            mailboxes.AddRange(Mailbox);
            foreach (var id in InternetMessageId)
                if (!clusterIds.Contains(id, StringComparer.Ordinal)) clusterIds.Add(id);
        }
        return Task.CompletedTask;
    }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var request = ParameterSetName == ByMessage
            ? new SoftDeleteRequest { Messages = pairs }
            : new SoftDeleteRequest
            {
                Query = new ClusterQuery
                {
                    Sender = Sender, SenderDomain = SenderDomain, Subject = Subject, SubjectMatch = Enum.Parse<SubjectMatch>(SubjectMatch, ignoreCase: true),
                    ReceivedAfter = ReceivedAfter, ReceivedBefore = ReceivedBefore, InternetMessageIds = clusterIds,
                },
                Mailboxes = mailboxes,
                AllMailboxes = AllMailboxes,
                MaxMessages = MaxMessages,
                Discovery = Enum.Parse<ClusterDiscovery>(Discovery, ignoreCase: true),
            };
        var normalized = Remediation.Normalize(session, request);
        var valid = (SoftDeleteRequest)normalized.Request;
        if (normalized.Duplicates > 0)
            Post(() => WriteWarning($"{normalized.Duplicates} duplicate input(s) were given more than once; each is soft deleted once."));
        var target = Describe(valid, session.TenantId);

        if (IsWhatIf())
        {
            long mailboxCount = 0, messageCount = 0;
            await Remediation.PlanAsync(session, normalized, (mailbox, results) =>
            {
                mailboxCount++;
                var found = new List<MessageResult>();
                foreach (var r in results.OfType<MessageResult>())
                {
                    if (r.Outcome == ItemState.Planned) found.Add(r);
                    else if (ResultMapper.ErrorFor(r) is { } error) EmitError(error);
                    // Tenant-wide, a user without a REST mailbox is simply not searched (as the run skips it).
                    else Post(() => WriteVerbose($"{(r.MessageId is null ? "Skipping " + mailbox : mailbox + " " + r.InternetMessageId)}: {r.Reason}"));
                }
                messageCount += found.Count;
                if (found.Count == 0) return;
                var subjects = DisplayText.Safe(string.Join("; ", found.Select(m => m.Subject ?? "(no subject)").Distinct().Take(3)));
                Confirm(mailbox, $"Soft delete {found.Count} message(s) to Recoverable Items\\Deletions ({subjects})");
            }, ct).ConfigureAwait(false);
            foreach (var bad in normalized.Rejected) EmitError(bad.Error, bad.Input);
            Post(() => WriteVerbose($"What if: {messageCount} message(s) in {mailboxCount} mailbox(es) would be soft deleted."));
            return;
        }

        if (!ShouldRun(target, "Soft delete (move to Recoverable Items\\Deletions)", Force)) return;

        var sink = RunSinks.For(this, Emit, EmitError, Progress);
        var summary = await Remediation.RunAsync(session, normalized, null, sink, ct).ConfigureAwait(false);
        if (summary.Total == 0)
            Post(() => WriteWarning($"No message matched ({target}). Nothing was soft deleted; action {summary.ActionId} records the empty run."));
        Emit(ResultMapper.ToOutput(summary));
    }

    private static string Describe(SoftDeleteRequest r, string tenant) => r.IsCluster
        ? $"messages matching {r.Query!.Describe()} in {(r.AllMailboxes ? $"all mailboxes of tenant {tenant}" : $"{r.Mailboxes.Count} mailbox(es)")}, at most {r.MaxMessages}"
        : $"{r.Messages.Count} message id(s) in {r.Messages.Select(m => m.Mailbox).Distinct().Count()} mailbox(es)";
}
