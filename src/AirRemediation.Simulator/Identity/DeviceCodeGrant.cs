namespace AirRemediation.Simulator.Identity;

/// <summary>An outstanding device code: approved automatically once ApprovedAt has passed.</summary>
public sealed class DeviceCodeGrant
{
    public required string DeviceCode { get; init; }
    public required string UserCode { get; init; }
    public required string ClientId { get; init; }
    public required string Scope { get; init; }
    public required DateTimeOffset ApprovedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public bool Redeemed { get; set; }
}
