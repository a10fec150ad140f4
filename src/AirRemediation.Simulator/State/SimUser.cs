using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.State;

public sealed class SimUser
{
    public required string Id { get; init; }
    public required string UserPrincipalName { get; init; }
    public required string DisplayName { get; init; }
    public required string Mail { get; init; }
    public string? JobTitle { get; init; }
    public bool AccountEnabled { get; init; } = true;
    public HashSet<string> DirectoryRoleIds { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, DelegatedGrantSpec> DelegatedScopes { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public Mailbox? Mailbox { get; set; }
}
