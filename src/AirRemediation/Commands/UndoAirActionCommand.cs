using AirRemediation.Engine.Kinds;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Reverses a completed action from its recorded before-state: soft-deleted messages go back to their folders, URL blocks added are removed (and removed ones re-added), forwarding that was turned off is restored.</summary>
[Cmdlet(VerbsCommon.Undo, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirMessageResult), typeof(AirUrlBlockResult), typeof(AirForwardingResult), typeof(AirRunSummary))]
public sealed class UndoAirActionCommand : ActionIdCmdlet
{
    /// <summary>Skip the confirmation prompt.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        return ForEachIdAsync(async id =>
        {
            if (!ShouldRun(id, "Undo the action (restore what it changed)", Force)) return;
            Emit(ResultMapper.ToOutput(await Remediation.UndoAsync(session, id, RunSinks.For(this, Emit, EmitError, Progress), ct).ConfigureAwait(false)));
        }, terminateWhenOne: true);
    }
}
