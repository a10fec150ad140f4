using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using AirRemediation.Completers;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Lists actions from the action store (queue and history), with per-item results and the audit trail on request.</summary>
[Cmdlet(VerbsCommon.Get, "AirAction", DefaultParameterSetName = Query)]
[OutputType(typeof(AirAction))]
public sealed class GetAirActionCommand : AirCmdlet
{
    private const string Query = "Query";
    private const string ById = "ById";

    /// <summary>Action id(s); with -Id the items and the trail are always included.</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ActionId")]
    [ArgumentCompleter(typeof(ActionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Only actions in these states.</summary>
    [Parameter(ParameterSetName = Query)]
    public ActionStateName[] State { get; set; } = [];

    /// <summary>Only actions of this kind.</summary>
    [Parameter(ParameterSetName = Query)]
    public ActionKindName? Kind { get; set; }

    /// <summary>Only actions from this Defender alert.</summary>
    [Parameter(ParameterSetName = Query, ValueFromPipelineByPropertyName = true)]
    [Alias("AlertId")]
    public string? InvestigationId { get; set; }

    /// <summary>Only actions proposed by this identity (UPN, app name, or "Microsoft Defender AIR").</summary>
    [Parameter(ParameterSetName = Query)]
    public string? ProposedBy { get; set; }

    /// <summary>Only actions created at or after this time.</summary>
    [Parameter(ParameterSetName = Query)]
    public DateTimeOffset? CreatedAfter { get; set; }

    /// <summary>Only actions created before this time.</summary>
    [Parameter(ParameterSetName = Query)]
    public DateTimeOffset? CreatedBefore { get; set; }

    /// <summary>At most this many actions, newest first.</summary>
    [Parameter(ParameterSetName = Query)]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Include each action's items and audit trail.</summary>
    [Parameter(ParameterSetName = Query)]
    public SwitchParameter IncludeDetail { get; set; }

    protected override async Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        if (ParameterSetName == ById)
        {
            foreach (var raw in Id)
            {
                var id = ActionId.Normalize(raw);
                var a = await store.GetActionAsync(id, ct).ConfigureAwait(false);
                if (a is null)
                {
                    EmitError(new AirRemediation.Engine.AirException(AirRemediation.Engine.AirErrorKind.NotFound,
                        $"No action with id {id} exists in the action store ({store.Location}).", id), raw);
                    continue;
                }
                Emit(await WithDetailAsync(store, a, ct).ConfigureAwait(false));
            }
            return;
        }
        var query = new ActionQuery
        {
            States = State.Length == 0 ? null : State.Select(s => Enum.Parse<ActionState>(s.ToString())).ToList(),
            Kind = Kind is { } k ? Enum.Parse<ActionKind>(k.ToString()) : null,
            InvestigationId = InvestigationId,
            ProposedBy = ProposedBy,
            CreatedSince = CreatedAfter,
            CreatedUntil = CreatedBefore,
            Limit = First,
        };
        await foreach (var a in store.QueryActionsAsync(query, ct).ConfigureAwait(false))
            Emit(IncludeDetail ? await WithDetailAsync(store, a, ct).ConfigureAwait(false) : ActionMapper.ToOutput(a));
    }

    private static async Task<AirAction> WithDetailAsync(IActionStore store, ActionRecord a, CancellationToken ct)
    {
        var items = new List<ItemRecord>();
        await foreach (var i in store.GetItemsAsync(a.Id, null, ct).ConfigureAwait(false)) items.Add(i);
        var trail = new List<AuditRecord>();
        await foreach (var t in store.GetAuditAsync(a.Id, ct).ConfigureAwait(false)) trail.Add(t);
        return ActionMapper.ToOutput(a, items, trail);
    }
}

/// <summary>Action states, as parameter values (tab-completable).</summary>
public enum ActionStateName { Pending, Approved, Running, Completed, PartiallyCompleted, Failed, Denied, Expired, Undone, Cancelled }

/// <summary>Action kinds, as parameter values (tab-completable).</summary>
public enum ActionKindName { SoftDeleteEmail, SoftDeleteCluster, BlockUrl, UnblockUrl, DisableForwarding, Undo }
