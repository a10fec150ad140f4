namespace AirRemediation;

/// <summary>Whether the current sign-in can use a capability, and what is missing in plain words.</summary>
public sealed class AirPermission
{
    public string Capability { get; init; } = "";
    public bool Allowed { get; init; }
    public string[] Missing { get; init; } = [];
    public string Detail { get; init; } = "";
}
