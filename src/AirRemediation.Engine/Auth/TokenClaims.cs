namespace AirRemediation.Engine.Auth;

/// <summary>
/// What an access token says about its holder, read from the JWT payload without validating it (the service
/// validates; we only describe). Never keeps the token itself.
/// </summary>
public sealed record TokenClaims
{
    public string? TenantId { get; init; }
    public string? ObjectId { get; init; }
    public string? AppId { get; init; }
    public string? AppDisplayName { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? Audience { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public IReadOnlyList<string> DirectoryRoleIds { get; init; } = [];
    public DateTimeOffset? ExpiresOn { get; init; }

    /// <summary>True when the token was issued to a user (delegated), false for an app-only token.</summary>
    public bool IsUser => UserPrincipalName is not null || Scopes.Count > 0;

    /// <summary>Reads the claims of a JWT; an opaque (non-JWT) token gives empty claims rather than an error.</summary>
    public static TokenClaims Parse(string token)
    {
        var parts = token.Split('.');
        if (parts.Length < 2) return new TokenClaims();
        try
        {
            using var doc = JsonDocument.Parse(Base64UrlDecode(parts[1]));
            var root = doc.RootElement;
            return new TokenClaims
            {
                TenantId = Str(root, "tid"),
                ObjectId = Str(root, "oid"),
                AppId = Str(root, "appid") ?? Str(root, "azp"),
                AppDisplayName = Str(root, "app_displayname"),
                UserPrincipalName = Str(root, "upn") ?? Str(root, "preferred_username") ?? Str(root, "unique_name"),
                Audience = Str(root, "aud"),
                Roles = Arr(root, "roles"),
                Scopes = (Str(root, "scp") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
                DirectoryRoleIds = Arr(root, "wids"),
                ExpiresOn = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var s)
                    ? DateTimeOffset.FromUnixTimeSeconds(s) : null,
            };
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return new TokenClaims();
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string[] Arr(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : [];

    private static byte[] Base64UrlDecode(string s)
    {
        var b = new StringBuilder(s.Replace('-', '+').Replace('_', '/'));
        while (b.Length % 4 != 0) b.Append('=');
        return Convert.FromBase64String(b.ToString());
    }
}
