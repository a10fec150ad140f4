using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>Operations built from the <see cref="IActionStore"/> contract, so every backend has them.</summary>
public static class ActionStoreExtensions
{
    /// <summary>Moves every Pending action whose ExpiresAt has passed to Expired (each with its audit entry). Returns how many.</summary>
    public static async Task<int> ExpireDueAsync(this IActionStore store, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(who);
        var now = store.Clock.GetUtcNow();
        var due = new List<string>();
        await foreach (var a in store.QueryActionsAsync(new ActionQuery { States = [ActionState.Pending] }, cancellationToken).ConfigureAwait(false))
        {
            if (a.ExpiresAt is { } e && e <= now)
            {
                due.Add(a.Id);
            }
        }
        int expired = 0;
        foreach (var id in due)
        {
            var r = await store.TryTransitionAsync(id, [ActionState.Pending], ActionState.Expired,
                who with { Reason = who.Reason ?? "not approved or denied before it expired" },
                new ActionChanges { DecidedAt = now }, cancellationToken).ConfigureAwait(false);
            if (r.Succeeded)
            {
                expired++;
            }
        }
        return expired;
    }
}
