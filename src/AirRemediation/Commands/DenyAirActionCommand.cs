using System.Management.Automation;
using AirRemediation.Engine;
using AirRemediation.Engine.Approvals;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Denies pending actions, with a reason that goes into the audit trail and onto the source alert.</summary>
[Cmdlet(VerbsLifecycle.Deny, "AirAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[Alias("Reject-AirAction")]
[OutputType(typeof(AirAction))]
public sealed class DenyAirActionCommand : AirCmdlet
{
    /// <summary>Action id(s); binds from Get-AirPendingAction output.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ActionId")]
    [ArgumentCompleter(typeof(ActionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Why the action is denied (required).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    protected override async Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        foreach (var id in Id)
        {
            if (!Confirm(id, $"Deny the action ({Reason})")) continue;
            try
            {
                var denied = await DecisionService.DenyAsync(session, id, Reason, ct).ConfigureAwait(false);
                Emit(ActionMapper.ToOutput(denied));
            }
            catch (AirException e)
            {
                EmitError(e, id);
            }
        }
    }
}
