using AirRemediation.Engine.Kinds;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Finishes an interrupted or cancelled action from its journal, without repeating any side effect.</summary>
[Cmdlet(VerbsLifecycle.Resume, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AirMessageResult), typeof(AirUrlBlockResult), typeof(AirForwardingResult), typeof(AirRunSummary))]
public sealed class ResumeAirActionCommand : ActionIdCmdlet
{
    protected override Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        return ForEachIdAsync(async id =>
        {
            if (!Confirm(id, "Resume the action: finish its unfinished items")) return;
            Emit(ResultMapper.ToOutput(await Remediation.ResumeAsync(session, id, RunSinks.For(this, Emit, EmitError, Progress), ct).ConfigureAwait(false)));
        }, terminateWhenOne: true);
    }
}
