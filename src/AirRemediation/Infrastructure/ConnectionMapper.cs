using AirRemediation.Engine.Auth;

namespace AirRemediation.Infrastructure;

internal static class ConnectionMapper
{
    public static AirConnection ToOutput(AirSession s) => new()
    {
        TenantId = s.Principal.TenantId,
        Identity = s.Principal.DisplayName,
        IdentityType = s.Principal.IsUser ? "User" : "Application",
        ObjectId = s.Principal.ObjectId,
        VerifiedBy = s.Principal.Source,
        SignInMethod = s.Method.ToString(),
        ClientId = s.ClientId,
        Environment = s.Cloud.Name,
        GraphEndpoint = s.GraphEndpoint,
        ExchangeEndpoint = s.ExchangeEndpoint,
        AuthorityHost = s.AuthorityHost,
        GraphPermissions = [.. s.GraphClaims.Roles, .. s.GraphClaims.Scopes],
        ExchangePermissions = s.ExchangeClaims is null ? [] : [.. s.ExchangeClaims.Roles, .. s.ExchangeClaims.Scopes],
        DirectoryRoles = [.. s.Principal.DirectoryRoleIds.Select(DirectoryRoles.NameOf)],
        DirectoryRolesVerified = s.Principal.DirectoryRolesKnown,
        GraphTokenExpiresOn = s.GraphTokenExpiresOn,
        ExchangeTokenExpiresOn = s.ExchangeTokenExpiresOn,
        ExchangeConnected = s.ExchangeClaims is not null,
        ExchangeStatus = s.ExchangeUnavailableReason ?? "Connected",
        ActionStore = s.StoreLocation,
        ConnectedAt = s.ConnectedAt,
    };
}
