using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Who a session is, as Microsoft Graph confirmed it when the session connected: Graph accepted the session's own token
/// (only Graph can check its signature) and answered for this object and tenant. Compare <see cref="ObjectId"/> and
/// <see cref="TenantId"/> (and <see cref="AppId"/> for applications), never display names.
/// </summary>
public sealed record VerifiedPrincipal
{
    /// <summary>A signed-in user, or an application (service principal or managed identity).</summary>
    public required ActorKind Kind { get; init; }

    /// <summary>The Entra object id (<c>oid</c>) Graph answered for: the user, or the application's service principal.</summary>
    public required string ObjectId { get; init; }

    /// <summary>The tenant id <c>GET /organization</c> answered; equal to the token's <c>tid</c> and to -TenantId when given.</summary>
    public required string TenantId { get; init; }

    /// <summary>For people to read, never to compare: the user's UPN or the application's display name.</summary>
    public required string DisplayName { get; init; }

    /// <summary>The application (client) id of an application principal; null for a user.</summary>
    public string? AppId { get; init; }

    /// <summary>Template ids of the tenant-wide directory roles Graph reports; empty when <see cref="DirectoryRolesKnown"/> is false.</summary>
    public IReadOnlyList<string> DirectoryRoleIds { get; init; } = [];

    /// <summary>False when Graph was not asked or would not say which directory roles the principal holds: treat as none.</summary>
    public bool DirectoryRolesKnown { get; init; }

    /// <summary>The tenant's verified domains, as <c>/organization</c> answered them (mail from these is internal).</summary>
    public IReadOnlyList<string> TenantDomains { get; init; } = [];

    /// <summary>
    /// For an application: the role template ids in the <c>wids</c> claim of the Graph token that Graph accepted at connect
    /// (an app's own roles are not read from Graph, see docs/PERMISSIONS.md). Entra wrote them into a token Graph accepted,
    /// so they are Entra's statement at sign-in, but they can lag a role change by a token's lifetime: use them only to
    /// refuse early what the service would refuse anyway (<see cref="ExchangeRoles"/>), never to grant anything. Empty for users.
    /// </summary>
    public IReadOnlyList<string> TokenDirectoryRoleIds { get; init; } = [];

    /// <summary>Who vouched for this principal: always "Graph".</summary>
    public string Source { get; init; } = "Graph";

    /// <summary>When Graph confirmed it (session clock).</summary>
    public DateTimeOffset VerifiedAt { get; init; }

    public bool IsUser => Kind == ActorKind.User;

    /// <summary>What the store records and four-eyes compares: <c>objectId@tenantId</c>, lowercase.</summary>
    public string Key => (ObjectId + "@" + TenantId).ToLowerInvariant();

    /// <summary>True when Graph verifiably reports Security Administrator or Global Administrator (who may change the approval policy).</summary>
    public bool HasPolicyRole => DirectoryRolesKnown && DirectoryRoleIds.Any(DirectoryRoles.PolicyAdministrators.Contains);

    /// <summary>True when Graph verifiably reports one of the approving roles (<see cref="DirectoryRoles.Approvers"/>).</summary>
    public bool HasApproverRole => DirectoryRolesKnown && DirectoryRoleIds.Any(DirectoryRoles.Approvers.Contains);
}
