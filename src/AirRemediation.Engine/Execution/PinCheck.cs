using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// Compares a stored action with the pins its own audit trail holds before anything runs from it: its content
/// (parameters, proposer, expiry, alert) with every pin written since it was created — among them the one its approver
/// approved — and, for an undo, its items (the undo data) with the pin its last run's end wrote. A mismatch is refused
/// with <see cref="AirErrorKind.Tampered"/> (the caller writes the refusal to the trail).
/// </summary>
internal static class PinCheck
{
    public static async Task EnsureAsync(IActionStore store, ActionRecord action, bool items, CancellationToken ct)
    {
        var pin = ContentPin.Of(action);
        AuditRecord? itemsEntry = null;
        var entries = 0;
        string? problem = null;
        await foreach (var e in store.GetAuditAsync(action.Id, ct).ConfigureAwait(false))
        {
            entries++;
            if (problem is null && e.Pin is { } p && !string.Equals(p, pin, StringComparison.Ordinal))
                problem = $"its content (kind, parameters, proposer, expiry, alert) does not match what audit entry {e.Seq} ({e.Event}) pinned";
            if (e.ItemsPin is not null) itemsEntry = e;
        }
        if (entries == 0) problem ??= "it has no entry in the audit trail";
        if (problem is null && items && itemsEntry is not null)
        {
            var now = await ContentPin.OfItemsAsync(store.GetItemsAsync(action.Id, cancellationToken: ct), ct).ConfigureAwait(false);
            if (!string.Equals(now, itemsEntry.ItemsPin, StringComparison.Ordinal))
                problem = $"its items (the undo data) do not match what audit entry {itemsEntry.Seq} ({itemsEntry.Event}) pinned when its run ended";
        }
        if (problem is not null) throw RemediationKind.Tampered(action, problem);
    }

    /// <summary>
    /// An Approved action that has not run yet (resumed by anyone, later, perhaps elsewhere): the approval it carries must
    /// hold — an approval entry in its trail by the identity the record names, not its proposer unless self-approval is
    /// allowed, made before it expired.
    /// </summary>
    public static async Task EnsureApprovalHoldsAsync(IActionStore store, ActionRecord action, CancellationToken ct)
    {
        if (action.State != ActionState.Approved) return;
        AuditRecord? approval = null;
        await foreach (var e in store.GetAuditAsync(action.Id, ct).ConfigureAwait(false))
        {
            if (e.ToState == ActionState.Approved) approval = e;
        }
        if (approval is null) throw RemediationKind.Tampered(action, "it is Approved, but its audit trail records no approval");
        if (approval.Format >= 2 && !string.Equals(approval.ActorId, action.ApproverId, StringComparison.OrdinalIgnoreCase))
            throw RemediationKind.Tampered(action, $"its approver is not the identity its approval (audit entry {approval.Seq}) records");
        var selfAllowed = await store.GetSettingAsync(StoreSettings.AllowSelfApproval, ct).ConfigureAwait(false) == "true";
        if (!selfAllowed && action.ProposerId is not null && string.Equals(action.ProposerId, action.ApproverId, StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"Action {action.Id} was approved by its own proposer while four-eyes approval is on; it does not run. Deny it, or have someone else propose and approve it again.", action.Id);
        if (action.ExpiresAt is { } exp && approval.At > exp)
            throw new AirException(AirErrorKind.Expired, $"Action {action.Id} was approved at {approval.At:u}, after it expired at {exp:u}; it does not run.", action.Id);
    }
}
