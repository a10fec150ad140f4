namespace AirRemediation;

/// <summary>
/// The current sign-in as Get-AirConnection and Connect-AirService show it. Describes tokens (expiry, what they
/// grant) but never holds one.
/// </summary>
public sealed class AirConnection
{
    public string TenantId { get; init; } = "";
    /// <summary>The user's UPN, or the application's display name for app-only sign-in.</summary>
    public string Identity { get; init; } = "";
    /// <summary>User or Application.</summary>
    public string IdentityType { get; init; } = "";
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
    /// <summary>Entra directory roles of the signed-in user, by name.</summary>
    public string[] DirectoryRoles { get; init; } = [];
    public DateTimeOffset? GraphTokenExpiresOn { get; init; }
    public DateTimeOffset? ExchangeTokenExpiresOn { get; init; }
    public bool ExchangeConnected { get; init; }
    /// <summary>Why Exchange features are unavailable, when they are.</summary>
    public string? ExchangeStatus { get; init; }
    public string? ActionStore { get; init; }
    public DateTimeOffset ConnectedAt { get; init; }

    public override string ToString() => $"{Identity} @ {TenantId} ({SignInMethod})";
}
