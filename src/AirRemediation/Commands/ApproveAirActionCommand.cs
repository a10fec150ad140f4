using AirRemediation.Engine;
using AirRemediation.Engine.Approvals;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Approves pending actions and runs them. Refused, before anything runs, when the approver proposed the action
/// (four-eyes), lacks an approving role, or the action has expired. The outcome is posted on the source alert. When the
/// store's policy names an executor app, the approval is recorded and the action returned Approved at once for the worker
/// (Invoke-AirApprovedAction); -Wait follows it to the end.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirMessageResult), typeof(AirRunSummary))]
public sealed class ApproveAirActionCommand : ActionIdCmdlet
{
    /// <summary>Why it is approved; recorded in the audit trail and on the alert.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Comment { get; set; }

    /// <summary>With an executor app in the policy: follow the action until the worker ends it, with progress.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>For an action from a Defender alert: resolve the alert once the action completes ($false: leave it open, whatever the policy's default).</summary>
    [Parameter]
    public SwitchParameter ResolveAlert { get; set; }

    /// <summary>With -ResolveAlert: truePositive (default), informationalExpectedActivity or falsePositive.</summary>
    [Parameter]
    [ValidateSet("truePositive", "informationalExpectedActivity", "falsePositive")]
    public string? AlertClassification { get; set; }

    /// <summary>With -ResolveAlert: the determination (default phishing, or compromisedAccount for forwarding).</summary>
    [Parameter]
    [ValidateSet("multiStagedAttack", "maliciousUserActivity", "compromisedAccount", "malware", "phishing", "unwantedSoftware", "other",
        "securityTesting", "lineOfBusinessApplication", "confirmedActivity", "notMalicious", "notEnoughDataToValidate")]
    public string? AlertDetermination { get; set; }

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
            var sink = RunSinks.For(this, Emit, EmitError, Progress);
            // Asked before the approval, so a worker that runs the action at once already sees it.
            if (ResolveAlert)
                await AlertClosing.RequestAsync(session, id, AlertClosing.For(candidate.Action.Kind, AlertClassification, AlertDetermination), ct).ConfigureAwait(false);
            else if (MyInvocation.BoundParameters.ContainsKey(nameof(ResolveAlert)))
                await AlertClosing.RequestLeaveOpenAsync(session, id, ct).ConfigureAwait(false);
            var summary = await DecisionService.ApproveAsync(session, candidate, Comment, sink, ct).ConfigureAwait(false);
            if (summary.State != Engine.Actions.ActionState.Approved)
                await AlertClosing.ResolveIfRequestedAsync(session, summary.ActionId, summary, ct).ConfigureAwait(false);
            if (Wait && summary.State == Engine.Actions.ActionState.Approved)
                summary = await ExecutorHandoff.WaitAsync(session, summary.ActionId, sink, ct).ConfigureAwait(false);
            Emit(ResultMapper.ToOutput(summary));
        });
    }
}
