using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// Closing the loop in Defender: an approver may ask that the source alert be resolved (classification + determination)
/// once the action completes; the request is an audit entry (chained, so it cannot be slipped in later) and is honoured
/// only when the identity that asked is the one that approved; without one, the store policy's default applies. Whoever completes the run — the approver's session or the
/// worker — resolves the alert. A denier may close the alert as a false positive.
/// </summary>
public static class AlertClosing
{
    /// <summary>The audit event that carries an approver's request to resolve the alert (Reason: classification/determination).</summary>
    public const string RequestedEvent = "AlertResolutionRequested";

    /// <summary>
    /// The resolution an approval asks for: the given classification and determination, or true positive with what the
    /// action's kind remediates (phishing for mail and URLs, a compromised account for forwarding).
    /// </summary>
    public static AlertResolution For(ActionKind kind, string? classification, string? determination) =>
        AlertResolution.Parse(classification ?? "truePositive",
            determination ?? (classification is null or "truePositive" ? (kind == ActionKind.DisableForwarding ? "compromisedAccount" : "phishing") : "other"));

    /// <summary>What an approver's request saying "leave the alert open" is recorded as.</summary>
    public const string LeaveOpen = "none";

    /// <summary>
    /// Sets (or with null removes) the store's default resolution, applied after a completed proposal whose approver did
    /// not choose. A policy change: Security Administrator or Global Administrator, audited.
    /// </summary>
    public static async Task<ApprovalPolicy> SetDefaultAsync(AirSession session, AlertResolution? resolution, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        ApprovalRules.EnsurePolicyAdministrator(session);
        await store.SetSettingAsync(StoreSettings.DefaultAlertResolution, resolution?.Encode(), AuditContexts.For(session,
            resolution is null ? "alerts stay open unless the approver asks" : $"alerts of completed proposals are resolved as {resolution.Encode()} unless the approver says otherwise"), ct).ConfigureAwait(false);
        AirLog.Current.Warning($"Approval policy of {store.Location} changed by {session.Identity}: " +
            (resolution is null ? "alerts are no longer resolved by default." : $"alerts of completed proposals are resolved as {resolution.Encode()} by default."));
        return await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
    }

    /// <summary>Records that this approver wants the alert left open, whatever the policy's default.</summary>
    public static Task RequestLeaveOpenAsync(AirSession session, string actionId, CancellationToken ct) => RecordAsync(session, actionId, LeaveOpen, ct);

    /// <summary>Records that this session, about to approve, wants the alert resolved when the action completes.</summary>
    public static Task RequestAsync(AirSession session, string actionId, AlertResolution resolution, CancellationToken ct) =>
        RecordAsync(session, actionId, resolution.Encode(), ct);

    private static async Task RecordAsync(AirSession session, string actionId, string what, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var action = await ActionLookup.GetAsync(store, actionId, ct).ConfigureAwait(false);
        if (action.InvestigationId is null)
            throw new AirException(AirErrorKind.InvalidInput, $"Action {action.Id} did not come from a Defender alert, so there is no alert to resolve; leave -ResolveAlert out.", action.Id);
        await store.AppendAuditAsync(new AuditEntry(action.Id, RequestedEvent, AuditContexts.For(session, what)), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// After a run: when the action came from an alert, completed, and its approver asked for it, resolves the alert.
    /// Returns the resolution applied, or null. A failure to write it is a warning, never a failed action.
    /// </summary>
    public static async Task<AlertResolution?> ResolveIfRequestedAsync(AirSession session, string actionId, RunSummary summary, CancellationToken ct)
    {
        if (summary.State != ActionState.Completed) return null;
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var action = await store.GetActionAsync(actionId, ct).ConfigureAwait(false);
        if (action?.InvestigationId is null || action.ApproverId is null) return null;
        AlertResolution? asked = null;
        var approverChose = false;
        await foreach (var e in store.GetAuditAsync(action.Id, ct).ConfigureAwait(false))
        {
            if (e.Event != RequestedEvent || !string.Equals(e.ActorId, action.ApproverId, StringComparison.OrdinalIgnoreCase)) continue;
            approverChose = true;
            asked = AlertResolution.Decode(e.Reason);
        }
        if (!approverChose) asked = AlertResolution.Decode((await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false)).DefaultAlertResolution);
        if (asked is null) return null;
        return await ResolveAsync(session, store, action, asked, ct).ConfigureAwait(false) ? asked : null;
    }

    /// <summary>Closes the alert of a denied proposal as a false positive (not malicious).</summary>
    public static async Task<bool> MarkFalsePositiveAsync(AirSession session, ActionRecord denied, CancellationToken ct)
    {
        if (denied.InvestigationId is null)
            throw new AirException(AirErrorKind.InvalidInput, $"Action {denied.Id} did not come from a Defender alert, so there is no alert to mark as a false positive.", denied.Id);
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        return await ResolveAsync(session, store, denied, AlertResolution.FalsePositive, ct).ConfigureAwait(false);
    }

    private static async Task<bool> ResolveAsync(AirSession session, IActionStore store, ActionRecord action, AlertResolution resolution, CancellationToken ct)
    {
        try
        {
            var api = new SecurityApi(session.Graph);
            await session.Caller.CallAsync(null, t => api.ResolveAlertAsync(action.InvestigationId!, resolution, t), ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            AirLog.Current.Warning($"Alert {action.InvestigationId} could not be resolved as {resolution.Encode()}: {e.Message}");
            return false;
        }
        await store.AppendAuditAsync(new AuditEntry(action.Id, "AlertResolved",
            AuditContexts.For(session, $"alert {action.InvestigationId} resolved as {resolution.Encode()}")), CancellationToken.None).ConfigureAwait(false);
        return true;
    }
}
