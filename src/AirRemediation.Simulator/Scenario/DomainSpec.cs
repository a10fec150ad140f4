namespace AirRemediation.Simulator.Scenario;

public sealed class DomainSpec
{
    /// <summary>The domain name (Graph uses the name as the id).</summary>
    public string Id { get; set; } = "";
    public bool IsDefault { get; set; }
    public bool IsInitial { get; set; }
    public bool IsVerified { get; set; } = true;
    public List<string> SupportedServices { get; set; } = ["Email"];
    /// <summary>Whether Exchange lists it as an accepted domain (Entra and Exchange can differ).</summary>
    public bool Accepted { get; set; } = true;
}
