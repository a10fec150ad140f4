using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// Who may approve, from the store's settings (so every session sharing a store applies the same rules).
/// Defaults: four-eyes on (the proposer may not approve), no application may approve, no executor (approving runs the
/// action in the approver's session).
/// </summary>
public sealed record ApprovalPolicy(bool AllowSelfApproval, IReadOnlyList<string> AppApprovers)
{
    /// <summary>The app id of the worker (<c>Invoke-AirApprovedAction</c>) approved actions are handed to; null: none.</summary>
    public string? ExecutorAppId { get; init; }

    /// <summary>How the source alert is resolved after a completed proposal when the approver does not choose (<c>classification/determination</c>); null: left open.</summary>
    public string? DefaultAlertResolution { get; init; }

    public static async Task<ApprovalPolicy> LoadAsync(IActionStore store, CancellationToken ct)
    {
        var self = await store.GetSettingAsync(StoreSettings.AllowSelfApproval, ct).ConfigureAwait(false);
        var apps = await store.GetSettingAsync(StoreSettings.AppApprovers, ct).ConfigureAwait(false);
        var executor = await store.GetSettingAsync(StoreSettings.ExecutorAppId, ct).ConfigureAwait(false);
        var resolution = await store.GetSettingAsync(StoreSettings.DefaultAlertResolution, ct).ConfigureAwait(false);
        return new ApprovalPolicy(
            string.Equals(self, "true", StringComparison.OrdinalIgnoreCase),
            (apps ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ExecutorAppId = string.IsNullOrWhiteSpace(executor) ? null : executor.Trim().ToLowerInvariant(),
            DefaultAlertResolution = Investigations.AlertResolution.Decode(resolution)?.Encode(),
        };
    }
}
