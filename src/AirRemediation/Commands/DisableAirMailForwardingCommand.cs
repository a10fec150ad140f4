using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.DisableForwarding;
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
        var normalized = Remediation.Normalize(session, new ForwardingRequest { Mailboxes = mailboxes, RemoveRule = RemoveRule, IncludeInternal = IncludeInternal });

        if (IsWhatIf())
        {
            foreach (var bad in normalized.Rejected) EmitError(bad.Error, bad.Input);
            await Remediation.PlanAsync(session, normalized, (_, results) =>
            {
                foreach (var f in results.OfType<ForwardingResult>())
                {
                    switch (f.State)
                    {
                        case ItemState.Planned:
                            Confirm(DisplayText.Safe(f.Target), DisplayText.Safe(f.Reason ?? f.Outcome.ToString()));
                            break;
                        case ItemState.Failed:
                            if (ResultMapper.ErrorFor(f) is { } e) EmitError(e);
                            break;
                        default:
                            Post(() => WriteVerbose(DisplayText.Safe($"{f.Target}: {f.Outcome}. {f.Reason}")));
                            break;
                    }
                }
            }, ct).ConfigureAwait(false);
            return;
        }

        var sink = RunSinks.For(this, Emit, EmitError, Progress);
        var summary = await Remediation.RunAsync(session, normalized, (target, action) => ShouldRun(target, action, Force), sink, ct).ConfigureAwait(false);
        Emit(ResultMapper.ToOutput(summary));
    }
}
