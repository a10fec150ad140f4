using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Forwarding;
using AirRemediation.Engine.SoftDelete;
using AirRemediation.Engine.UrlBlock;

namespace AirRemediation.Engine.Execution;

/// <summary>Kind-independent entry points: resume and undo dispatch to the executor of the action's kind.</summary>
public static class ActionService
{
    /// <summary>Finishes an interrupted (or approved) action from its journal, without repeating a side effect.</summary>
    public static async Task<RunSummary> ResumeAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct)
    {
        var action = await GetAsync(session, actionId, ct).ConfigureAwait(false);
        return action.Kind switch
        {
            ActionKind.SoftDeleteEmail or ActionKind.SoftDeleteCluster => await SoftDeleteService.ResumeAsync(session, action.Id, sink, ct).ConfigureAwait(false),
            ActionKind.BlockUrl or ActionKind.UnblockUrl => await UrlBlockService.ResumeAsync(session, action.Id, sink, ct).ConfigureAwait(false),
            ActionKind.DisableForwarding => await ForwardingService.ResumeAsync(session, action.Id, sink, ct).ConfigureAwait(false),
            ActionKind.Undo when action.RelatedActionId is not null => await UndoAsync(session, action.RelatedActionId, sink, ct).ConfigureAwait(false),
            _ => throw new AirException(AirErrorKind.InvalidInput, $"Action {action.Id} is a {action.Kind} action; resuming that kind is not supported yet.", action.Id),
        };
    }

    /// <summary>Reverses a completed action from its recorded before-state.</summary>
    public static async Task<RunSummary> UndoAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct)
    {
        var action = await GetAsync(session, actionId, ct).ConfigureAwait(false);
        return action.Kind switch
        {
            ActionKind.SoftDeleteEmail or ActionKind.SoftDeleteCluster => await SoftDeleteService.UndoAsync(session, action.Id, sink, ct).ConfigureAwait(false),
            ActionKind.BlockUrl or ActionKind.UnblockUrl => await UrlBlockService.UndoAsync(session, action.Id, sink, ct).ConfigureAwait(false),
            ActionKind.DisableForwarding => await ForwardingService.UndoAsync(session, action.Id, sink, ct).ConfigureAwait(false),
            ActionKind.Undo => throw new AirException(AirErrorKind.InvalidInput, $"Action {action.Id} is itself an undo (of {action.RelatedActionId}); it cannot be undone.", action.Id),
            _ => throw new AirException(AirErrorKind.InvalidInput, $"Action {action.Id} is a {action.Kind} action; undoing that kind is not supported yet.", action.Id),
        };
    }

    private static async Task<ActionRecord> GetAsync(AirSession session, string actionId, CancellationToken ct)
    {
        if (!ActionId.TryNormalize(actionId, out var id))
            throw new AirException(AirErrorKind.InvalidInput, $"'{actionId}' is not an action id (they look like A-7K2M9QX4TZ).", actionId);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await store.GetActionAsync(id, ct).ConfigureAwait(false)
            ?? throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store ({store.Location}).", id);
    }
}
