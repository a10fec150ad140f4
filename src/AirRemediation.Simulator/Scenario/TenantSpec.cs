namespace AirRemediation.Simulator.Scenario;

public sealed class TenantSpec
{
    public string Id { get; set; } = "7d6a3c1e-0f3b-4c55-9a62-5b8e1f0c2d44";
    /// <summary>Short tenant name; the initial domain is {name}.onmicrosoft.com.</summary>
    public string Name { get; set; } = "contoso";
    public string? DisplayName { get; set; }
    /// <summary>EOP, P1 or P2 (Defender for Office 365 plan); decides the TABL block entry limit.</summary>
    public string License { get; set; } = "P2";
}
