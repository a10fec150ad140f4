namespace AirRemediation;

/// <summary>The action store's approval policy.</summary>
public sealed class AirApprovalPolicy
{
    public bool AllowSelfApproval { get; init; }
    public string[] AppApprovers { get; init; } = [];
    /// <summary>The worker app (client id) approved actions are handed to; null: approving runs the action in the approver's session.</summary>
    public string? ExecutorAppId { get; init; }
    /// <summary>classification/determination alerts of completed proposals are resolved with when the approver does not choose; null: left open.</summary>
    public string? DefaultAlertResolution { get; init; }
    public string Store { get; init; } = "";
}
