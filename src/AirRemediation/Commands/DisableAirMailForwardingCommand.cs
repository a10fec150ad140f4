using System.Management.Automation;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Forwarding;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Turns off mail forwarding out of the organisation for mailboxes: inbox rules that forward or redirect to addresses
/// outside the accepted domains are disabled (or deleted with -RemoveRule), and mailbox SMTP forwarding to such an
/// address is cleared. Journaled as one action that Undo-AirAction reverses exactly.
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "AirMailForwarding", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirForwardingResult), typeof(AirRunSummary))]
public sealed class DisableAirMailForwardingCommand : AirCmdlet
{
    private readonly List<string> mailboxes = [];

    /// <summary>Mailbox(es) (UPN or primary SMTP address); binds from strings and from objects with a Mailbox, UserPrincipalName or PrimarySmtpAddress property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("UserPrincipalName", "PrimarySmtpAddress", "Upn")]
    [ValidateNotNullOrEmpty]
    public string[] Mailbox { get; set; } = [];

    /// <summary>Delete forwarding inbox rules instead of disabling them (Undo-AirAction re-creates them).</summary>
    [Parameter]
    public SwitchParameter RemoveRule { get; set; }

    /// <summary>Also stop forwarding to addresses inside the organisation's accepted domains.</summary>
    [Parameter]
    public SwitchParameter IncludeInternal { get; set; }

    /// <summary>Skip the confirmation prompts (-WhatIf still only reports).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        mailboxes.AddRange(Mailbox);
        return Task.CompletedTask;
    }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var normalized = new ForwardingRequest { Mailboxes = mailboxes, RemoveRule = RemoveRule, IncludeInternal = IncludeInternal }.Normalize();

        if (IsWhatIf())
        {
            foreach (var (input, error) in normalized.Rejected) EmitError(error, input);
            await ForwardingService.PlanAsync(session, normalized.Request, f =>
            {
                switch (f.State)
                {
                    case ItemState.Planned:
                        Confirm(Target(f.Mailbox, f.Kind, f.Rule), f.Reason ?? f.Outcome);
                        break;
                    case ItemState.Failed:
                        if (ResultMapper.ErrorFor(f) is { } e) EmitError(e);
                        break;
                    default:
                        Post(() => WriteVerbose($"{Target(f.Mailbox, f.Kind, f.Rule)}: {f.Outcome}. {f.Reason}"));
                        break;
                }
            }, ct).ConfigureAwait(false);
            return;
        }

        var sink = RunSinks.For(this, Emit, EmitError, Progress);
        var summary = await ForwardingService.RunAsync(session, normalized,
            change => ShouldRun(Target(change.Mailbox, change.Kind, change.Rule), change.Description, Force), sink, ct).ConfigureAwait(false);
        Emit(ResultMapper.ToOutput(summary));
    }

    private static string Target(string mailbox, string kind, string? rule) => kind switch
    {
        "InboxRule" => $"{mailbox}: inbox rule '{rule}'",
        "MailboxForwarding" => $"{mailbox}: mailbox forwarding",
        _ => mailbox,
    };
}
