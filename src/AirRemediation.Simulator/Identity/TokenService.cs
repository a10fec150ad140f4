using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Identity;

/// <summary>
/// Issues and validates JWT-shaped access tokens signed with a per-run HMAC key. Real Entra signs with RS256; nothing
/// outside the simulator may validate these, and no client should try (Graph tokens are opaque to clients).
/// </summary>
public sealed class TokenService(TenantState state, TimeProvider clock, SecretRegistry secrets, Func<int> lifetimeSeconds)
{
    readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    public int LifetimeSeconds => lifetimeSeconds();

    public string IssueAppToken(SimApp app, string resource, string appIdAcr)
    {
        IReadOnlyCollection<string> roles = resource == Resources.Graph ? app.GraphRoles : resource == Resources.Exchange ? app.ExchangeRoles : [];
        var claims = BaseClaims(resource, app, out _);
        claims["appidacr"] = appIdAcr;
        claims["idtyp"] = "app";
        claims["oid"] = app.ObjectId;
        claims["sub"] = app.ObjectId;
        if (roles.Count > 0) claims["roles"] = new JsonArray([.. roles.Order(StringComparer.Ordinal).Select(r => (JsonNode)r)]);
        if (app.DirectoryRoleIds.Count > 0) claims["wids"] = new JsonArray([.. app.DirectoryRoleIds.Select(r => (JsonNode)r)]);
        return Sign(claims);
    }

    public string IssueUserToken(SimApp app, SimUser user, string resource, IReadOnlyCollection<string> scopes)
    {
        var claims = BaseClaims(resource, app, out _);
        claims["appidacr"] = "0";
        claims["idtyp"] = "user";
        claims["oid"] = user.Id;
        claims["sub"] = Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(user.Id + app.ClientId)));
        claims["upn"] = user.UserPrincipalName;
        claims["unique_name"] = user.UserPrincipalName;
        claims["preferred_username"] = user.UserPrincipalName;
        claims["name"] = user.DisplayName;
        claims["amr"] = new JsonArray("pwd", "mfa");
        claims["acr"] = "1";
        claims["scp"] = string.Join(' ', scopes);
        if (user.DirectoryRoleIds.Count > 0) claims["wids"] = new JsonArray([.. user.DirectoryRoleIds.Select(r => (JsonNode)r)]);
        return Sign(claims);
    }

    JsonObject BaseClaims(string resource, SimApp app, out DateTimeOffset exp)
    {
        var now = clock.GetUtcNow();
        exp = now.AddSeconds(LifetimeSeconds);
        return new JsonObject
        {
            ["aud"] = resource,
            ["iss"] = $"https://sts.windows.net/{state.TenantId}/",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = exp.ToUnixTimeSeconds(),
            ["app_displayname"] = app.DisplayName,
            ["appid"] = app.ClientId,
            ["azp"] = app.ClientId,
            ["idp"] = $"https://sts.windows.net/{state.TenantId}/",
            ["tid"] = state.TenantId,
            ["uti"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
            ["ver"] = "1.0",
        };
    }

    string Sign(JsonObject claims)
    {
        var header = Base64Url(Encoding.UTF8.GetBytes("{\"typ\":\"JWT\",\"alg\":\"HS256\",\"kid\":\"airsim\"}"));
        var payload = Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var sig = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
        var token = header + "." + payload + "." + sig;
        secrets.Add(SecretKind.AccessToken, token);
        issued[token] = 0;
        return token;
    }

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> issued = new(StringComparer.Ordinal);
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> expiredEarly = new(StringComparer.Ordinal);

    /// <summary>
    /// Every access token issued so far reads as expired from now on, as if its lifetime had passed; tokens issued
    /// afterwards are unaffected. Lets an out-of-process test make a client renew without waiting for real time.
    /// </summary>
    public int ExpireIssuedTokens()
    {
        var n = 0;
        foreach (var token in issued.Keys)
        {
            expiredEarly[token] = 0;
            issued.TryRemove(token, out _);
            n++;
        }
        return n;
    }

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, AccessPrincipal> validated = new(StringComparer.Ordinal);

    /// <summary>Validates signature and lifetime; the reason is what Graph would say in its 401.</summary>
    public AccessPrincipal? Validate(string token, out string failure)
    {
        failure = "";
        if (expiredEarly.ContainsKey(token))
        {
            failure = "Lifetime validation failed, the token is expired.";
            return null;
        }
        // Signature checks are cached per token; lifetime is checked on every call.
        if (validated.TryGetValue(token, out var known))
        {
            if (known.ExpiresOn > clock.GetUtcNow()) return known;
            failure = "Lifetime validation failed, the token is expired.";
            return null;
        }
        var principal = ValidateUncached(token, out failure);
        if (principal is not null && validated.Count < 100_000) validated[token] = principal;
        return principal;
    }

    AccessPrincipal? ValidateUncached(string token, out string failure)
    {
        failure = "";
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            failure = "IDX14100: JWT is not well formed, there are no dots (.).";
            return null;
        }
        // The header names the algorithm; only the simulator's own is accepted. An unsigned token ("alg":"none") is
        // refused here by name, before any signature comparison, as a validating resource must.
        string? alg;
        try
        {
            alg = JsonNode.Parse(FromBase64Url(parts[0]))?["alg"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            failure = "IDX14102: Unable to decode the header.";
            return null;
        }
        if (!string.Equals(alg, "HS256", StringComparison.Ordinal))
        {
            failure = string.Equals(alg, "none", StringComparison.OrdinalIgnoreCase)
                ? "IDX10504: Unable to validate signature, token does not have a signature (alg 'none')."
                : $"IDX10503: Signature validation failed. The token's algorithm '{alg}' is not the one this tenant signs with.";
            return null;
        }
        var expected = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1])));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[2])))
        {
            failure = "Invalid signature.";
            return null;
        }
        JsonObject claims;
        try
        {
            claims = JsonNode.Parse(FromBase64Url(parts[1]))!.AsObject();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            failure = "IDX14102: Unable to decode the payload.";
            return null;
        }
        if (claims["tid"]?.GetValue<string>() is not { } tid || !string.Equals(tid, state.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            // Never reached with a signature made by another simulator (its key differs), but a tenant serves its own tokens only.
            failure = "Access token validation failure. The token was issued for another tenant.";
            return null;
        }
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var exp = claims["exp"]!.GetValue<long>();
        if (exp <= now)
        {
            failure = "Lifetime validation failed, the token is expired.";
            return null;
        }
        if (claims["nbf"]!.GetValue<long>() > now + 300)
        {
            failure = "Lifetime validation failed, the token is not yet valid.";
            return null;
        }
        static HashSet<string> Set(IEnumerable<string> items) => new(items, StringComparer.OrdinalIgnoreCase);
        var isApp = claims["idtyp"]?.GetValue<string>() == "app";
        return new AccessPrincipal
        {
            Audience = claims["aud"]!.GetValue<string>(),
            AppId = claims["appid"]!.GetValue<string>(),
            AppDisplayName = claims["app_displayname"]?.GetValue<string>() ?? "",
            ObjectId = claims["oid"]!.GetValue<string>(),
            IsApp = isApp,
            UserPrincipalName = claims["upn"]?.GetValue<string>(),
            Name = claims["name"]?.GetValue<string>(),
            Roles = Set(claims["roles"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []),
            Scopes = Set((claims["scp"]?.GetValue<string>() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            DirectoryRoleIds = Set(claims["wids"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []),
            ExpiresOn = DateTimeOffset.FromUnixTimeSeconds(exp),
        };
    }

    /// <summary>An id_token as MSAL needs it: it reads the claims and does not verify the signature.</summary>
    public string IssueIdToken(SimApp app, SimUser user, string issuerBase)
    {
        var now = clock.GetUtcNow();
        var claims = new JsonObject
        {
            ["aud"] = app.ClientId,
            ["iss"] = $"{issuerBase}{state.TenantId}/v2.0",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddSeconds(3600).ToUnixTimeSeconds(),
            ["name"] = user.DisplayName,
            ["oid"] = user.Id,
            ["preferred_username"] = user.UserPrincipalName,
            ["sub"] = Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(user.Id + app.ClientId))),
            ["tid"] = state.TenantId,
            ["uti"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
            ["ver"] = "2.0",
        };
        var header = Base64Url(Encoding.UTF8.GetBytes("{\"typ\":\"JWT\",\"alg\":\"RS256\",\"kid\":\"airsim\"}"));
        return header + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString())) + "." + Base64Url(RandomNumberGenerator.GetBytes(64));
    }

    public static string ClientInfo(SimUser user, string tenantId) =>
        Base64Url(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string> { ["uid"] = user.Id, ["utid"] = tenantId })));

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        b += (b.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.FromBase64String(b);
    }

    public static string Unix(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
