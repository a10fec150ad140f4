using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>
/// What the two URL kinds (block, unblock) share: they need Exchange, their items are Tenant Allow/Block List entries,
/// and the undo of either is the reverse operation on the same entries, applied by <see cref="TablRun"/>.
/// </summary>
internal abstract class UrlKind<TRequest> : RemediationKind<TRequest> where TRequest : ActionRequest
{
    /// <summary>One unit: the tenant's list, read once per run.</summary>
    public const string ListUnit = "Tenant Allow/Block List";

    public override string UnitName => "Lists";

    /// <summary>Exchange connected, and an identity whose verified roles can change the list (an app with only Security Administrator cannot).</summary>
    public override void Preflight(AirSession session)
    {
        ExchangeAdminClient.EnsureConnected(session);
        ExchangeRoles.Ensure(session, ExchangeTask.WriteUrlBlocks);
    }

    public override KindRun OpenUndo(RunContext run) => new TablRun(run, new TablAddOptions());

    /// <summary>An added entry is removed, a changed expiry is set back, a removed entry is added again with its expiry and notes.</summary>
    public override NewItem? UndoOf(ItemRecord done)
    {
        var data = UrlItemData.FromJson(done.DataJson);
        var before = done.BeforeJson is null ? null : UrlItemData.FromJson(done.BeforeJson);
        var after = done.AfterJson is null ? null : UrlItemData.FromJson(done.AfterJson);
        UrlItemData? undo = data.Op switch
        {
            UrlOp.Add => new UrlItemData(data.Value, UrlOp.UndoRemove, after?.Id ?? data.Id),
            UrlOp.Update when before is not null => before with { Op = UrlOp.UndoSet },
            UrlOp.Remove => (before ?? data) with { Op = UrlOp.UndoAdd },
            _ => null,
        };
        return undo is null ? null : new NewItem(done.Key, done.Target, undo.ToJson());
    }

    public override object ResultOf(RunContext run, ItemRecord item, ItemOutcome outcome)
    {
        var data = item.DataJson is null ? new UrlItemData(item.Target ?? "", UrlOp.Add) : UrlItemData.FromJson(item.DataJson);
        var entry = outcome.Detail as UrlBlockEntry;
        return new UrlBlockResult
        {
            ActionId = run.Id,
            Url = data.Value,
            Id = entry?.Id ?? data.Id,
            State = item.State,
            Outcome = outcome.Name as UrlOutcome? ?? item.State switch
            {
                ItemState.Failed => UrlOutcome.Failed,
                ItemState.Already => UrlOutcome.AlreadyBlocked,
                _ => UrlOutcome.Blocked,
            },
            Reason = item.Reason,
            Rule = outcome.Detail as UrlEntryRule?,
            ErrorKind = item.State == ItemState.Failed ? outcome.Error : null,
            ExpiresOn = entry is not null ? entry.ExpiresOn : data.ExpiresOn,
            NoExpiration = entry is not null ? entry.ExpiresOn is null : data.NoExpiration,
            Notes = entry?.Notes ?? data.Notes,
        };
    }
}
