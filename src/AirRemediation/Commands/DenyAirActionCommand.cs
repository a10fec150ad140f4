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

    protected override Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        return ForEachIdAsync(async id =>
        {
            if (!Confirm(id, $"Deny the action ({Reason})")) return;
            Emit(ActionMapper.ToOutput(await DecisionService.DenyAsync(session, id, Reason, ct).ConfigureAwait(false)));
        });
    }
}
