using AirRemediation.Engine;
using AirRemediation.Engine.Approvals;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Denies pending actions, with a reason that goes into the audit trail and onto the source alert.</summary>
[Cmdlet(VerbsLifecycle.Deny, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[Alias("Reject-AirAction")]
[OutputType(typeof(AirAction))]
public sealed class DenyAirActionCommand : ActionIdCmdlet
{
    /// <summary>Why the action is denied (required).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    /// <summary>For an action from a Defender alert: also resolve the alert as a false positive (not malicious).</summary>
    [Parameter]
    public SwitchParameter MarkFalsePositive { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        return ForEachIdAsync(async id =>
        {
            if (!Confirm(id, $"Deny the action ({Reason})")) return;
            var denied = await DecisionService.DenyAsync(session, id, Reason, ct).ConfigureAwait(false);
            if (MarkFalsePositive) await AlertClosing.MarkFalsePositiveAsync(session, denied, ct).ConfigureAwait(false);
            Emit(ActionMapper.ToOutput(denied));
        });
    }
}
