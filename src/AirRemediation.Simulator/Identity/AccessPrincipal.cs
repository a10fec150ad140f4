namespace AirRemediation.Simulator.Identity;

/// <summary>Who a validated bearer token speaks for, and what it may do.</summary>
public sealed class AccessPrincipal
{
    public required string Audience { get; init; }
    public required string AppId { get; init; }
    public required string AppDisplayName { get; init; }
    public required string ObjectId { get; init; }
    public bool IsApp { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? Name { get; init; }
    public IReadOnlySet<string> Roles { get; init; } = new HashSet<string>();
    public IReadOnlySet<string> Scopes { get; init; } = new HashSet<string>();
    public IReadOnlySet<string> DirectoryRoleIds { get; init; } = new HashSet<string>();
    public DateTimeOffset ExpiresOn { get; init; }

    /// <summary>Whether the token carries any of these permissions: app roles for app tokens, scp for delegated ones.</summary>
    public bool HasAny(IEnumerable<string> permissions)
    {
        var set = IsApp ? Roles : Scopes;
        return permissions.Any(p => set.Contains(p));
    }

    public bool HasAnyRole(IEnumerable<string> roleTemplateIds) => roleTemplateIds.Any(DirectoryRoleIds.Contains);
}
