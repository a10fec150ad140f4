namespace AirRemediation;

/// <summary>The action store's approval policy.</summary>
public sealed class AirApprovalPolicy
{
    public bool AllowSelfApproval { get; init; }
    public string[] AppApprovers { get; init; } = [];
    public string Store { get; init; } = "";
}
