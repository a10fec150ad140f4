using System.Management.Automation;
using AirRemediation.Engine.Kinds;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Reverses a completed action from its recorded before-state: soft-deleted messages go back to their folders, URL blocks added are removed (and removed ones re-added), forwarding that was turned off is restored.</summary>
[Cmdlet(VerbsCommon.Undo, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirMessageResult), typeof(AirUrlBlockResult), typeof(AirForwardingResult), typeof(AirRunSummary))]
public sealed class UndoAirActionCommand : AirCmdlet
{
    /// <summary>The action id(s) to undo; binds from objects with an Id or ActionId property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ActionId")]
    [ArgumentCompleter(typeof(ActionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Skip the confirmation prompt.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        foreach (var id in Id)
        {
            if (!ShouldRun(id, "Undo the action (restore what it changed)", Force)) continue;
            var sink = RunSinks.For(this, Emit, EmitError, Progress);
            try
            {
                var summary = await Remediation.UndoAsync(session, id, sink, ct).ConfigureAwait(false);
                Emit(ResultMapper.ToOutput(summary));
            }
            catch (AirRemediation.Engine.AirException e) when (Id.Length > 1)
            {
                EmitError(e, id);
            }
        }
    }
}
