using AirRemediation.Engine;
using AirRemediation.Engine.Approvals;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Approves pending actions and runs them. Refused, before anything runs, when the approver proposed the action
/// (four-eyes), lacks an approving role, or the action has expired. The outcome is posted on the source alert.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirMessageResult), typeof(AirRunSummary))]
public sealed class ApproveAirActionCommand : ActionIdCmdlet
{
    /// <summary>Why it is approved; recorded in the audit trail and on the alert.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Comment { get; set; }

    /// <summary>Skip the confirmation prompt.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        return ForEachIdAsync(async id =>
        {
            // Every refusal (four-eyes, role, expiry, state) is checked before the prompt, so -WhatIf shows it too.
            var candidate = await DecisionService.EnsureApprovableAsync(session, id, ct).ConfigureAwait(false);
            if (!ShouldRun($"{candidate.Action.Id} ({candidate.Action.Kind}): {candidate.Description}", "Approve and run", Force)) return;
            var summary = await DecisionService.ApproveAsync(session, candidate, Comment, RunSinks.For(this, Emit, EmitError, Progress), ct).ConfigureAwait(false);
            Emit(ResultMapper.ToOutput(summary));
        });
    }
}
