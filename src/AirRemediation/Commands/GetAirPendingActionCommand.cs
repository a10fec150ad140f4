using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Store;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Lists pending actions. First syncs: every Defender for Office 365 alert awaiting approval yields proposals from
/// its evidence (never the same evidence twice), and pending actions older than a week are marked Expired.
/// </summary>
[Cmdlet(VerbsCommon.Get, "AirPendingAction")]
[OutputType(typeof(AirAction))]
public sealed class GetAirPendingActionCommand : AirCmdlet
{
    private readonly HashSet<string> investigations = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Only actions from these alerts (binds from Get-AirInvestigation output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("AlertId")]
    [ValidateNotNullOrEmpty]
    public string[] InvestigationId { get; set; } = [];

    /// <summary>List what is queued without asking Defender for new evidence.</summary>
    [Parameter]
    public SwitchParameter NoSync { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        foreach (var id in InvestigationId) investigations.Add(id);
        return Task.CompletedTask;
    }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        if (NoSync)
        {
            await ProposalService.ExpireAsync(session, ct).ConfigureAwait(false);
        }
        else
        {
            var targets = investigations.Count == 0 ? new string?[] { null } : investigations.Select(i => (string?)i).ToArray();
            foreach (var alert in targets)
            {
                var r = await ProposalService.SyncAsync(session, alert, ct).ConfigureAwait(false);
                Post(() => WriteVerbose($"Synced{(alert is null ? "" : $" alert {alert}")}: {r.Created} new proposal(s), {r.AlreadyQueued} already queued, {r.Expired} expired."));
            }
        }
        await foreach (var a in store.QueryActionsAsync(new ActionQuery { States = [ActionState.Pending] }, ct).ConfigureAwait(false))
        {
            if (investigations.Count > 0 && (a.InvestigationId is null || !investigations.Contains(a.InvestigationId))) continue;
            Emit(ActionMapper.ToOutput(a));
        }
    }
}
