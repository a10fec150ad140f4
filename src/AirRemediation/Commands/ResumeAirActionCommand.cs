using System.Management.Automation;
using AirRemediation.Engine.Kinds;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Finishes an interrupted or cancelled action from its journal, without repeating any side effect.</summary>
[Cmdlet(VerbsLifecycle.Resume, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AirMessageResult), typeof(AirUrlBlockResult), typeof(AirForwardingResult), typeof(AirRunSummary))]
public sealed class ResumeAirActionCommand : AirCmdlet
{
    /// <summary>The action id(s) (A-XXXXXXXXXX); binds from objects with an Id or ActionId property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ActionId")]
    [ArgumentCompleter(typeof(ActionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    protected override async Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        foreach (var id in Id)
        {
            if (!Confirm(id, "Resume the action: finish its unfinished items")) continue;
            var sink = RunSinks.For(this, Emit, EmitError, Progress);
            try
            {
                var summary = await Remediation.ResumeAsync(session, id, sink, ct).ConfigureAwait(false);
                Emit(ResultMapper.ToOutput(summary));
            }
            catch (AirRemediation.Engine.AirException e) when (Id.Length > 1)
            {
                EmitError(e, id);   // one bad id does not stop the others
            }
        }
    }
}
