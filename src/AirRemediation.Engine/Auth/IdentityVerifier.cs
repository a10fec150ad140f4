using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Proves a session's Graph token by using it: Graph is the verifier, because only Microsoft can check the signature
/// of a Graph access token. A user token must read <c>/me</c>, <c>/organization</c> and the user's directory roles; an
/// app-only token must read <c>/organization</c>. What Graph answers becomes the <see cref="VerifiedPrincipal"/>;
/// anything that does not add up (another object id, another tenant than the token or -TenantId names) refuses the
/// connection. Least privilege: User.Read (delegated) covers all three user reads; Organization.Read.All (application)
/// covers the app read (docs/PERMISSIONS.md).
/// </summary>
internal sealed class IdentityVerifier
{
    /// <summary>Pseudo-tenants of the user flows; they name no tenant, so there is nothing to compare.</summary>
    private static readonly HashSet<string> MultiTenantAliases = new(StringComparer.OrdinalIgnoreCase) { "organizations", "common", "consumers" };

    private const string DirectoryRoleType = "#microsoft.graph.directoryRole";

    private readonly AirSession session;
    private readonly ServiceCaller caller;
    private readonly HttpClient http;
    private readonly string root;

    public IdentityVerifier(AirSession session, RetryOptions retry)
    {
        this.session = session;
        // Connecting should fail in seconds when Graph cannot be reached, not after a run's patience of ten attempts.
        caller = new ServiceCaller(retry with { MaxTransientAttempts = Math.Min(retry.MaxTransientAttempts, 4), MaxThrottleWait = TimeSpan.FromMinutes(2) }, session.Clock);
        http = new HttpClient(session.Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        root = session.GraphEndpoint.ToString().TrimEnd('/');
    }

    public async Task<VerifiedPrincipal> VerifyAsync(TokenClaims claims, string? expectedTenant, CancellationToken ct)
    {
        try
        {
            return claims.IsUser
                ? await VerifyUserAsync(claims, expectedTenant, ct).ConfigureAwait(false)
                : await VerifyAppAsync(claims, expectedTenant, ct).ConfigureAwait(false);
        }
        finally
        {
            http.Dispose();
        }
    }

    private async Task<VerifiedPrincipal> VerifyUserAsync(TokenClaims claims, string? expectedTenant, CancellationToken ct)
    {
        var me = await GetAsync("/me?$select=id,userPrincipalName,displayName", "the signed-in user (/me)", "User.Read", ct).ConfigureAwait(false);
        var id = (string?)me["id"];
        var upn = (string?)me["userPrincipalName"];
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(upn))
            throw Refused(AirErrorKind.AuthenticationFailed, "Microsoft Graph answered /me without the user's id or user principal name, so the sign-in cannot be verified.");
        if (!string.Equals(id, claims.ObjectId, StringComparison.OrdinalIgnoreCase))
            throw Refused(AirErrorKind.AuthenticationFailed,
                $"The access token names user object {Show(claims.ObjectId)}, but Microsoft Graph answered /me for {id}; the token does not belong to the user it claims.");
        var (tenant, domains) = await TenantAsync(claims, expectedTenant, ct).ConfigureAwait(false);
        var (roles, known) = await DirectoryRolesAsync(upn, ct).ConfigureAwait(false);
        return new VerifiedPrincipal
        {
            ObjectId = id.ToLowerInvariant(),
            TenantId = tenant,
            DisplayName = upn,
            Kind = ActorKind.User,
            DirectoryRoleIds = roles,
            DirectoryRolesKnown = known,
            TenantDomains = domains,
            VerifiedAt = session.Clock.GetUtcNow(),
        };
    }

    private async Task<VerifiedPrincipal> VerifyAppAsync(TokenClaims claims, string? expectedTenant, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(claims.ObjectId) || string.IsNullOrWhiteSpace(claims.AppId))
            throw Refused(AirErrorKind.AuthenticationFailed,
                "The access token names no user, and no application (oid and appid claims); it is not a Microsoft Entra access token for Microsoft Graph.");
        var (tenant, domains) = await TenantAsync(claims, expectedTenant, ct).ConfigureAwait(false);
        return new VerifiedPrincipal
        {
            ObjectId = claims.ObjectId.ToLowerInvariant(),
            TenantId = tenant,
            DisplayName = string.IsNullOrWhiteSpace(claims.AppDisplayName) ? claims.AppId : claims.AppDisplayName,
            AppId = claims.AppId.ToLowerInvariant(),
            Kind = ActorKind.App,
            DirectoryRolesKnown = false,
            TenantDomains = domains,
            TokenDirectoryRoleIds = [.. claims.DirectoryRoleIds.Select(r => r.ToLowerInvariant())],
            VerifiedAt = session.Clock.GetUtcNow(),
        };
    }

    /// <summary>The tenant Graph serves this token for, checked against the token and against -TenantId.</summary>
    private async Task<(string Tenant, IReadOnlyList<string> Domains)> TenantAsync(TokenClaims claims, string? expectedTenant, CancellationToken ct)
    {
        var page = await GetAsync("/organization?$select=id,displayName,verifiedDomains", "the organization (/organization)",
            claims.IsUser ? "User.Read" : "Organization.Read.All", ct).ConfigureAwait(false);
        var orgs = (page["value"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (orgs.Count != 1 || (string?)orgs[0]["id"] is not { Length: > 0 } orgId)
            throw Refused(AirErrorKind.AuthenticationFailed,
                $"Microsoft Graph answered /organization with {orgs.Count} organizations; exactly one (the token's tenant) was expected, so the tenant cannot be verified.");
        var tenant = orgId.ToLowerInvariant();
        if (!string.Equals(tenant, claims.TenantId, StringComparison.OrdinalIgnoreCase))
            throw Refused(AirErrorKind.AuthenticationFailed,
                $"The access token names tenant {Show(claims.TenantId)}, but Microsoft Graph answered for tenant {tenant}; the sign-in is refused.");
        var domains = (orgs[0]["verifiedDomains"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(d => (string?)d["name"]).OfType<string>().ToList();
        if (!string.IsNullOrWhiteSpace(expectedTenant) && !MultiTenantAliases.Contains(expectedTenant))
        {
            var matches = Guid.TryParse(expectedTenant, out var g)
                ? string.Equals(g.ToString(), tenant, StringComparison.OrdinalIgnoreCase)
                : domains.Contains(expectedTenant.Trim(), StringComparer.OrdinalIgnoreCase);
            if (!matches)
                throw Refused(AirErrorKind.AccessDenied,
                    $"-TenantId '{expectedTenant}' is not the tenant this sign-in belongs to: Microsoft Graph answered for tenant {tenant} ({(string?)orgs[0]["displayName"]}). Connect with a token or credential of tenant '{expectedTenant}', or leave -TenantId out.",
                    expectedTenant);
        }
        return (tenant, domains);
    }

    /// <summary>
    /// The user's directory roles (role template ids) from <c>/me/transitiveMemberOf</c>, paged, without the OData
    /// cast (which needs ConsistencyLevel: eventual and an index that may lag behind a role removal). With User.Read
    /// Graph may return a role with limited information; the template id is then still there, and only if it is not
    /// are the roles reported as unknown.
    /// </summary>
    private async Task<(IReadOnlyList<string> Roles, bool Known)> DirectoryRolesAsync(string upn, CancellationToken ct)
    {
        var roles = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        var url = "/me/transitiveMemberOf?$top=999";
        try
        {
            while (url is not null)
            {
                var page = await GetAsync(url, "the signed-in user's directory roles (/me/transitiveMemberOf)", "User.Read", ct).ConfigureAwait(false);
                foreach (var o in (page["value"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (!string.Equals((string?)o["@odata.type"], DirectoryRoleType, StringComparison.OrdinalIgnoreCase)) continue;
                    if ((string?)o["roleTemplateId"] is { Length: > 0 } template) roles.Add(template.ToLowerInvariant());
                    else
                    {
                        AirLog.Current.Warning($"Microsoft Graph listed a directory role of {upn} without its role template id; the user's roles are treated as unknown (grant RoleManagement.Read.Directory to read them in full).");
                        return ([], false);
                    }
                }
                url = (string?)page["@odata.nextLink"];
            }
        }
        catch (AirException e) when (e.Kind == AirErrorKind.AccessDenied)
        {
            AirLog.Current.Warning($"The directory roles of {upn} could not be read from Microsoft Graph ({e.Message}); the session has no verified role, so it cannot approve actions.");
            return ([], false);
        }
        return ([.. roles], true);
    }

    /// <summary>One GET through the retry loop; every failure becomes an <see cref="AirException"/> that says what failed and why.</summary>
    private async Task<JsonObject> GetAsync(string pathOrLink, string what, string permission, CancellationToken ct)
    {
        var uri = pathOrLink.StartsWith('/') ? new Uri(root + pathOrLink) : new Uri(pathOrLink);
        if (!string.Equals(uri.GetLeftPart(UriPartial.Authority), session.GraphEndpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            throw Refused(AirErrorKind.AuthenticationFailed, $"Microsoft Graph returned a link to another host ({uri.Host}) while reading {what}; it was not followed.");
        try
        {
            return await caller.CallAsync<JsonObject>(null, c => SendAsync(uri, c), ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            throw e.Kind switch
            {
                FailureKind.Unauthorized => Refused(AirErrorKind.AuthenticationFailed,
                    $"Microsoft Graph did not accept the access token ({Describe(e)}): it is forged, altered, expired, or not a Microsoft Graph token of this cloud. The sign-in is refused.", e),
                FailureKind.Forbidden => Refused(AirErrorKind.AccessDenied,
                    $"Microsoft Graph accepted the access token but refused to read {what} ({Describe(e)}), which verifying the sign-in needs. Grant the {(session.GraphClaims.IsUser ? "delegated" : "application")} permission {permission} (docs/PERMISSIONS.md).", e),
                FailureKind.Transient when e.Status is null => Refused(AirErrorKind.EndpointUnreachable,
                    $"Microsoft Graph at {session.GraphEndpoint.GetLeftPart(UriPartial.Authority)} could not be reached to verify the sign-in ({e.Message}).", e),
                FailureKind.Throttled => Refused(AirErrorKind.Throttled, $"Microsoft Graph kept throttling while reading {what} to verify the sign-in ({Describe(e)}).", e),
                FailureKind.Transient => Refused(AirErrorKind.ServiceError, $"Microsoft Graph failed while reading {what} to verify the sign-in ({Describe(e)}).", e),
                _ => Refused(AirErrorKind.AuthenticationFailed,
                    $"Microsoft Graph refused to read {what} with this access token ({Describe(e)}), so the sign-in cannot be verified.", e),
            };
        }
    }

    private Task<JsonObject> SendAsync(Uri uri, CancellationToken ct) => GraphObjectReader.GetAsync(session, http, uri, ct);

    private static string Describe(ServiceCallException e) =>
        e.Status is { } s ? $"HTTP {s}{(e.Code is null ? "" : " " + e.Code)}: {e.Message}" : e.Message;

    /// <summary>A claim value as it may appear in an error: an id, never a token; unreadable values are named as missing.</summary>
    private static string Show(string? claim) => string.IsNullOrWhiteSpace(claim) ? "(none)" : SecretRedactor.Redact(claim.Length > 64 ? claim[..64] + "…" : claim);

    private static AirException Refused(AirErrorKind kind, string message, string? target = null) =>
        new(kind, message, target ?? "Microsoft Graph");

    private static AirException Refused(AirErrorKind kind, string message, ServiceCallException e) =>
        new(kind, message, "Microsoft Graph") { HttpStatus = e.Status, ServiceCode = e.Code };
}
