using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>Finds an action by what a person typed, with the one message every cmdlet gives when there is none.</summary>
internal static class ActionLookup
{
    public static async Task<ActionRecord> GetAsync(IActionStore store, string input, CancellationToken ct)
    {
        var id = ActionId.Normalize(input);
        return await store.GetActionAsync(id, ct).ConfigureAwait(false) ?? throw NotFound(store, id);
    }

    public static AirException NotFound(IActionStore store, string id) =>
        new(AirErrorKind.NotFound, $"No action with id {id} exists in the action store ({store.Location}).", id);
}
