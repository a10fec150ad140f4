using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Identity;

/// <summary>Entra's v2.0 token and device code endpoints, and the managed identity endpoints (App Service and IMDS).</summary>
public sealed class IdentityEndpoints(TenantState state, TokenService tokens, SecretRegistry secrets, TimeProvider clock, TimeSpan deviceCodeDelay)
{
    const string DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";
    const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    const string SignInScope = "User.Read";
    static readonly HashSet<string> OidcScopes = new(StringComparer.OrdinalIgnoreCase) { "openid", "profile", "offline_access", "email" };

    readonly ConcurrentDictionary<string, DeviceCodeGrant> deviceCodes = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, RefreshGrant> refreshTokens = new(StringComparer.Ordinal);

    /// <summary>Polling interval handed out with device codes (Entra says 5; tests want 1).</summary>
    public int DeviceCodeInterval { get; init; } = 1;

    bool TenantKnown(string tenant, bool userFlow) =>
        string.Equals(tenant, state.TenantId, StringComparison.OrdinalIgnoreCase)
        || state.Domains.Any(d => d.IsVerified && string.Equals(d.Id, tenant, StringComparison.OrdinalIgnoreCase))
        || (userFlow && (tenant.Equals("organizations", StringComparison.OrdinalIgnoreCase) || tenant.Equals("common", StringComparison.OrdinalIgnoreCase)));

    public ApiResponse Token(string tenant, Dictionary<string, string> form, string httpsBase)
    {
        var grant = form.GetValueOrDefault("grant_type") ?? "";
        // MSAL.NET sends the short "device_code"; the RFC 8628 URN is accepted too, as Entra does.
        if (grant == "device_code") grant = DeviceCodeGrantType;
        var userFlow = grant is DeviceCodeGrantType or "refresh_token";
        if (!TenantKnown(tenant, userFlow)) return EntraErrors.TenantNotFound(clock, tenant);
        if (form.GetValueOrDefault("client_id") is not { Length: > 0 } clientId)
        {
            return EntraErrors.Create(clock, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
        }
        if (!state.Apps.TryGetValue(clientId, out var app)) return EntraErrors.UnknownClient(clock, clientId, state.DisplayName);

        return grant switch
        {
            "client_credentials" => ClientCredentials(app, tenant, form),
            DeviceCodeGrantType => RedeemDeviceCode(app, form, httpsBase),
            "refresh_token" => Refresh(app, form, httpsBase),
            _ => EntraErrors.UnsupportedGrant(clock, grant),
        };
    }

    ApiResponse? AuthenticateClient(SimApp app, string tenant, Dictionary<string, string> form, bool required, out string appIdAcr)
    {
        appIdAcr = "0";
        if (form.TryGetValue("client_secret", out var secret))
        {
            if (!app.Secrets.Contains(secret, StringComparer.Ordinal)) return EntraErrors.BadSecret(clock, app.ClientId);
            appIdAcr = "1";
            return null;
        }
        if (form.TryGetValue("client_assertion", out var assertion))
        {
            if (form.GetValueOrDefault("client_assertion_type") != JwtBearer)
            {
                return EntraErrors.Create(clock, 400, "invalid_request", 50027, "Invalid client_assertion_type; expected urn:ietf:params:oauth:client-assertion-type:jwt-bearer.");
            }
            if (!ClientAssertionValidator.Validate(assertion, app, $"/{tenant}/oauth2/v2.0/token", clock, out var why)) return EntraErrors.BadAssertion(clock, why);
            appIdAcr = "2";
            return null;
        }
        return required ? EntraErrors.NoCredential(clock) : null;
    }

    ApiResponse ClientCredentials(SimApp app, string tenant, Dictionary<string, string> form)
    {
        var failed = AuthenticateClient(app, tenant, form, required: true, out var acr);
        if (failed is not null) return failed;
        var scope = (form.GetValueOrDefault("scope") ?? "").Trim();
        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (scopes.Length != 1 || !scopes[0].EndsWith("/.default", StringComparison.OrdinalIgnoreCase)) return EntraErrors.BadScope(clock, scope);
        var resource = Resources.FromScopeOrResource(scopes[0]);
        if (resource is null) return ResourceNotFound(scopes[0]);
        var token = tokens.IssueAppToken(app, resource, acr);
        return ApiResponse.Json(200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = tokens.LifetimeSeconds,
            ["ext_expires_in"] = tokens.LifetimeSeconds,
            ["access_token"] = token,
        });
    }

    ApiResponse ResourceNotFound(string scope) => EntraErrors.Create(clock, 400, "invalid_resource", 500011,
        $"The resource principal named {scope.Replace("/.default", "", StringComparison.OrdinalIgnoreCase)} was not found in the tenant named {state.DisplayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.");

    /// <summary>Splits a user-flow scope string into its one resource and the resource's scopes; null resource = error response.</summary>
    (string? Resource, List<string> Requested, ApiResponse? Error) ParseUserScopes(string scope)
    {
        string? resource = null;
        var requested = new List<string>();
        foreach (var s in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (OidcScopes.Contains(s)) continue;
            var r = Resources.FromScopeOrResource(s);
            if (r is null) return (null, requested, EntraErrors.UnknownScope(clock, s));
            if (resource is not null && resource != r)
            {
                return (null, requested, EntraErrors.Create(clock, 400, "invalid_request", 28000,
                    $"Provided value for the input parameter scope '{scope}' is not valid because it contains more than one resource."));
            }
            resource = r;
            requested.Add(s[(s.LastIndexOf('/') + 1)..]);
        }
        return resource is null ? (null, requested, EntraErrors.UnknownScope(clock, scope)) : (resource, requested, null);
    }

    public ApiResponse DeviceCode(string tenant, Dictionary<string, string> form, string httpsBase)
    {
        if (!TenantKnown(tenant, userFlow: true)) return EntraErrors.TenantNotFound(clock, tenant);
        var clientId = form.GetValueOrDefault("client_id") ?? "";
        if (!state.Apps.TryGetValue(clientId, out var app)) return EntraErrors.UnknownClient(clock, clientId, state.DisplayName);
        // A confidential-only app (public client flows off) gets the same answer Entra gives: it wants a credential.
        if (!app.PublicClient) return EntraErrors.NoCredential(clock);
        var scope = form.GetValueOrDefault("scope") ?? "";
        var (_, _, error) = ParseUserScopes(scope);
        if (error is not null) return error;
        var now = clock.GetUtcNow();
        var userCode = UserCode();
        var grant = new DeviceCodeGrant
        {
            DeviceCode = TokenService.Base64Url(RandomNumberGenerator.GetBytes(48)),
            UserCode = userCode,
            ClientId = app.ClientId,
            Scope = scope,
            ApprovedAt = now + deviceCodeDelay,
            ExpiresAt = now.AddSeconds(900),
        };
        deviceCodes[grant.DeviceCode] = grant;
        secrets.Add(SecretKind.DeviceCode, grant.DeviceCode);
        var uri = httpsBase + "devicelogin";
        return ApiResponse.Json(200, new JsonObject
        {
            ["user_code"] = userCode,
            ["device_code"] = grant.DeviceCode,
            ["verification_uri"] = uri,
            ["expires_in"] = 900,
            ["interval"] = DeviceCodeInterval,
            ["message"] = $"To sign in, use a web browser to open the page {uri} and enter the code {userCode} to authenticate.",
        });
    }

    static string UserCode()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(9, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    ApiResponse RedeemDeviceCode(SimApp app, Dictionary<string, string> form, string httpsBase)
    {
        var code = form.GetValueOrDefault("device_code") ?? form.GetValueOrDefault("code") ?? "";
        if (!deviceCodes.TryGetValue(code, out var grant) || grant.ClientId != app.ClientId || grant.Redeemed)
        {
            return EntraErrors.InvalidGrant(clock, "The provided value for the input parameter 'device_code' is not valid.");
        }
        var now = clock.GetUtcNow();
        if (now >= grant.ExpiresAt) return EntraErrors.Expired(clock);
        if (now < grant.ApprovedAt) return EntraErrors.Pending(clock);
        var user = state.DeviceCodeUser is { } upn ? state.FindUser(upn) : null;
        if (user is null)
        {
            return EntraErrors.Create(clock, 400, "authorization_declined", 70018, "The user declined the authorization request (the scenario has no deviceCodeUser).");
        }
        grant.Redeemed = true;
        return IssueUserTokens(app, user, grant.Scope, httpsBase);
    }

    ApiResponse Refresh(SimApp app, Dictionary<string, string> form, string httpsBase)
    {
        var failed = AuthenticateClient(app, "", form, required: false, out _);
        if (failed is not null) return failed;
        var rt = form.GetValueOrDefault("refresh_token") ?? "";
        if (!refreshTokens.TryGetValue(rt, out var g) || g.ClientId != app.ClientId)
        {
            return EntraErrors.InvalidGrant(clock, "Provided grant is invalid or malformed.");
        }
        var user = state.FindUser(g.UserId);
        if (user is null) return EntraErrors.InvalidGrant(clock, "Provided grant is invalid or malformed.");
        return IssueUserTokens(app, user, form.GetValueOrDefault("scope") ?? "", httpsBase);
    }

    ApiResponse IssueUserTokens(SimApp app, SimUser user, string scope, string httpsBase)
    {
        if (!user.AccountEnabled) return EntraErrors.Create(clock, 400, "invalid_grant", 50057, "The user account is disabled.");
        var (resource, requested, error) = ParseUserScopes(scope);
        if (error is not null) return error;
        var grants = user.DelegatedScopes.GetValueOrDefault(app.ClientId);
        var granted0 = resource == Resources.Graph ? grants?.Graph : resource == Resources.Exchange ? grants?.Exchange : grants?.Storage;
        if (granted0 is null || granted0.Count == 0) return EntraErrors.ConsentRequired(clock, app.ClientId);
        // User.Read ("Sign in and read user profile") is the permission an app registration carries from the start and
        // that any consent to sign a user in includes, so every delegated Graph token here has it: /me, /organization
        // and the user's own memberships need no further consent.
        IReadOnlyList<string> consented = resource == Resources.Graph && !granted0.Contains(SignInScope, StringComparer.OrdinalIgnoreCase)
            ? [SignInScope, .. granted0]
            : granted0;
        var specific = requested.Where(s => s != ".default").ToList();
        if (specific.Any(s => !consented.Contains(s, StringComparer.OrdinalIgnoreCase))) return EntraErrors.ConsentRequired(clock, app.ClientId);
        var access = tokens.IssueUserToken(app, user, resource!, consented);
        var refresh = TokenService.Base64Url(RandomNumberGenerator.GetBytes(64));
        refreshTokens[refresh] = new RefreshGrant(user.Id, app.ClientId);
        secrets.Add(SecretKind.RefreshToken, refresh);
        var granted = consented.Select(s => resource + "/" + s).ToList();
        if (requested.Contains(".default")) granted.Add(resource + "/.default");
        return ApiResponse.Json(200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(' ', granted),
            ["expires_in"] = tokens.LifetimeSeconds,
            ["ext_expires_in"] = tokens.LifetimeSeconds,
            ["access_token"] = access,
            ["refresh_token"] = refresh,
            ["id_token"] = tokens.IssueIdToken(app, user, httpsBase),
            ["client_info"] = TokenService.ClientInfo(user, state.TenantId),
        });
    }

    /// <summary>App Service / Azure Automation endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version 2019-08-01).</summary>
    public ApiResponse AppServiceManagedIdentity(Dictionary<string, string> query, Func<string, string?> header)
    {
        var mi = state.ManagedIdentity;
        if (mi is null || header("X-IDENTITY-HEADER") is not { } h || !CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(h), System.Text.Encoding.UTF8.GetBytes(mi.IdentityHeader)))
        {
            return ApiResponse.Json(401, new JsonObject { ["statusCode"] = 401, ["message"] = "Unauthorized: the X-IDENTITY-HEADER is missing or wrong." });
        }
        if (query.GetValueOrDefault("api-version") != "2019-08-01")
        {
            return ApiResponse.Json(400, new JsonObject { ["statusCode"] = 400, ["message"] = "Invalid api-version; supported: 2019-08-01." });
        }
        var (app, error) = ResolveIdentity(mi, query);
        if (app is null) return ApiResponse.Json(400, new JsonObject { ["statusCode"] = 400, ["message"] = error, ["correlationId"] = Guid.NewGuid().ToString() });
        var resource = Resources.FromScopeOrResource(query.GetValueOrDefault("resource") ?? "");
        if (resource is null) return ApiResponse.Json(400, new JsonObject { ["statusCode"] = 400, ["message"] = "AADSTS500011: The resource principal was not found in the tenant.", ["correlationId"] = Guid.NewGuid().ToString() });
        var token = tokens.IssueAppToken(app, resource, "2");
        return ApiResponse.Json(200, new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = TokenService.Unix(clock.GetUtcNow().AddSeconds(tokens.LifetimeSeconds)),
            ["resource"] = query["resource"],
            ["token_type"] = "Bearer",
            ["client_id"] = app.ClientId,
        });
    }

    /// <summary>Azure Instance Metadata Service token endpoint (api-version 2018-02-01, header Metadata: true).</summary>
    public ApiResponse Imds(Dictionary<string, string> query, Func<string, string?> header)
    {
        var mi = state.ManagedIdentity;
        if (!string.Equals(header("Metadata"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Required metadata header not specified" });
        }
        if (!query.ContainsKey("api-version"))
        {
            return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Required query variable 'api-version' is missing" });
        }
        if (mi is null) return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Identity not found" });
        var (app, error) = ResolveIdentity(mi, query);
        if (app is null) return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = error });
        var resource = Resources.FromScopeOrResource(query.GetValueOrDefault("resource") ?? "");
        if (resource is null) return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid_resource", ["error_description"] = "AADSTS500011: The resource principal was not found in the tenant." });
        var now = clock.GetUtcNow();
        var life = tokens.LifetimeSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiResponse.Json(200, new JsonObject
        {
            ["access_token"] = tokens.IssueAppToken(app, resource, "2"),
            ["client_id"] = app.ClientId,
            ["expires_in"] = life,
            ["expires_on"] = TokenService.Unix(now.AddSeconds(tokens.LifetimeSeconds)),
            ["ext_expires_in"] = life,
            ["not_before"] = TokenService.Unix(now),
            ["resource"] = query["resource"],
            ["token_type"] = "Bearer",
        });
    }

    (SimApp? App, string Error) ResolveIdentity(Scenario.ManagedIdentitySpec mi, Dictionary<string, string> query)
    {
        const string NotFound = "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.";
        if (query.TryGetValue("client_id", out var cid))
        {
            return mi.UserAssignedClientIds.Contains(cid, StringComparer.OrdinalIgnoreCase) && state.Apps.TryGetValue(cid, out var ua) ? (ua, "") : (null, NotFound);
        }
        var oid = query.GetValueOrDefault("object_id") ?? query.GetValueOrDefault("principal_id");
        if (oid is not null)
        {
            var byOid = mi.UserAssignedClientIds.Select(c => state.Apps.GetValueOrDefault(c)).FirstOrDefault(a => a is not null && string.Equals(a.ObjectId, oid, StringComparison.OrdinalIgnoreCase));
            return byOid is null ? (null, NotFound) : (byOid, "");
        }
        if (query.ContainsKey("mi_res_id") || query.ContainsKey("msi_res_id")) return (null, NotFound);
        return mi.SystemAssignedClientId is { } sys && state.Apps.TryGetValue(sys, out var sa) ? (sa, "") : (null, "No managed identity is enabled on this resource.");
    }
}
