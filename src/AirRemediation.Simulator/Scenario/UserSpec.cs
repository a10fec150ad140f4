namespace AirRemediation.Simulator.Scenario;

public sealed class UserSpec
{
    public string? Id { get; set; }
    public string UserPrincipalName { get; set; } = "";
    public string? DisplayName { get; set; }
    public string? Mail { get; set; }
    public string? JobTitle { get; set; }
    /// <summary>Entra directory role names, e.g. "Security Administrator"; become the wids claim.</summary>
    public List<string> DirectoryRoles { get; set; } = [];
    /// <summary>Delegated permissions consented per client id and resource: { "clientId": { "graph": [...], "exchange": [...] } }.</summary>
    public Dictionary<string, DelegatedGrantSpec> DelegatedScopes { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public bool AccountEnabled { get; set; } = true;
}
