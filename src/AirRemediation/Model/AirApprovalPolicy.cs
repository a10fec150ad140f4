namespace AirRemediation;

/// <summary>The action store's approval policy.</summary>
public sealed class AirApprovalPolicy
{
    public bool AllowSelfApproval { get; init; }
    public string[] AppApprovers { get; init; } = [];
    /// <summary>The worker app (client id) approved actions are handed to; null: approving runs the action in the approver's session.</summary>
    public string? ExecutorAppId { get; init; }
    public string Store { get; init; } = "";
}
