using AirRemediation.Completers;
using AirRemediation.Engine;

namespace AirRemediation.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on queued actions by id (Approve-, Deny-, Resume-, Undo-AirAction): the -Id parameter
/// (binds from Get-AirPendingAction / Get-AirAction output, completes from the store) and one loop over the ids.
/// </summary>
public abstract class ActionIdCmdlet : AirCmdlet
{
    /// <summary>Action id(s) (A-XXXXXXXXXX); binds from objects with an Id or ActionId property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ActionId")]
    [ArgumentCompleter(typeof(ActionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>
    /// Runs <paramref name="work"/> for each id. An error about one id is written for that id and the others go on; with
    /// <paramref name="terminateWhenOne"/> a single id's error ends the command instead (nothing else was asked for).
    /// </summary>
    private protected async Task ForEachIdAsync(Func<string, Task> work, bool terminateWhenOne = false)
    {
        foreach (var id in Id)
        {
            try
            {
                await work(id).ConfigureAwait(false);
            }
            catch (AirException e) when (!terminateWhenOne || Id.Length > 1)
            {
                EmitError(e, id);
            }
        }
    }
}
