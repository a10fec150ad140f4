namespace AirRemediation;

/// <summary>
/// The current sign-in as Get-AirConnection and Connect-AirService show it. Describes tokens (expiry, what they
/// grant) but never holds one.
/// </summary>
public sealed class AirConnection
{
    /// <summary>The tenant Microsoft Graph answered for at connect (verified; compared with the token and -TenantId).</summary>
    public string TenantId { get; init; } = "";
    /// <summary>The user's UPN as Graph /me returned it, or the application's display name for app-only sign-in.</summary>
    public string Identity { get; init; } = "";
    /// <summary>User or Application.</summary>
    public string IdentityType { get; init; } = "";
    /// <summary>The verified object id: the user's, or the application's service principal's. With TenantId, what
    /// identifies the signed-in identity (approvals and the trail compare this, not the name).</summary>
    public string ObjectId { get; init; } = "";
    /// <summary>What verified the identity: "Graph" (the session's Graph endpoint accepted the token and answered).</summary>
    public string VerifiedBy { get; init; } = "";
    public string SignInMethod { get; init; } = "";
    public string? ClientId { get; init; }
    public string Environment { get; init; } = "";
    public Uri? GraphEndpoint { get; init; }
    public Uri? ExchangeEndpoint { get; init; }
    public Uri? AuthorityHost { get; init; }
    /// <summary>Graph permissions in the token: application roles, or delegated scopes for a user.</summary>
    public string[] GraphPermissions { get; init; } = [];
    /// <summary>Exchange permissions in the Exchange token (for example Exchange.ManageAsApp).</summary>
    public string[] ExchangePermissions { get; init; } = [];
    /// <summary>Entra directory roles of the signed-in user as Graph lists them (direct and transitive), by name.</summary>
    public string[] DirectoryRoles { get; init; } = [];
    /// <summary>True when DirectoryRoles was read from Graph; false for applications (their roles are not read) and
    /// when Graph would not list the user's roles. Roles are never taken from the token's wids claim.</summary>
    public bool DirectoryRolesVerified { get; init; }
    public DateTimeOffset? GraphTokenExpiresOn { get; init; }
    public DateTimeOffset? ExchangeTokenExpiresOn { get; init; }
    public bool ExchangeConnected { get; init; }
    /// <summary>Why Exchange features are unavailable, when they are.</summary>
    public string? ExchangeStatus { get; init; }
    public string? ActionStore { get; init; }
    public DateTimeOffset ConnectedAt { get; init; }

    public override string ToString() => $"{Identity} @ {TenantId} ({SignInMethod})";
}
