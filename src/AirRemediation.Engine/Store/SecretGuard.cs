using System.Text.RegularExpressions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// Defence in depth for "the store never holds a token or secret": callers are meant to pass identity names only, and every
/// store refuses a value that plainly is a credential (a JWT access token, a bearer header, a client secret or password field,
/// a storage account key or SAS signature). It is a tripwire for programming mistakes, not a data-loss-prevention scanner.
/// </summary>
public static partial class SecretGuard
{
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|\bBearer\s+[A-Za-z0-9._~+/-]{20,}",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 250)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"[""']?(client_secret|clientsecret|password|access_token|refresh_token|accountkey|sharedaccesskey)[""']?\s*[:=]\s*[""']?[^\s""',;}]{6,}" +
                    @"|[?&]sig=[A-Za-z0-9%+/=]{20,}",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 250)]
    private static partial Regex CredentialPattern();

    /// <summary>
    /// True if <paramref name="value"/> contains something that looks like a credential. With <paramref name="tokensOnly"/>, only
    /// access tokens (JWT, bearer header) count: used for item data and parameters, which carry attacker-written content
    /// (a phishing subject saying "password: …", a blob URL with a SAS signature) that must still be journaled.
    /// </summary>
    public static bool LooksLikeSecret(string? value, bool tokensOnly = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        try
        {
            return TokenPattern().IsMatch(value) || (!tokensOnly && CredentialPattern().IsMatch(value));
        }
        catch (RegexMatchTimeoutException)
        {
            return true; // pathological input: refuse rather than store something unchecked
        }
    }

    /// <summary>Throws AirException(InvalidInput) naming the field (never echoing the value) if it looks like a credential.</summary>
    public static void Ensure(string? value, string field, bool tokensOnly = false)
    {
        if (LooksLikeSecret(value, tokensOnly))
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The {field} passed to the action store looks like a token, password or key. The store records identity names only and never credentials; the value was not stored.");
        }
    }

    internal static void Ensure(AuditContext who)
    {
        Ensure(who.Actor, "actor name");
        Ensure(who.SignIn, "sign-in description");
        Ensure(who.Reason, "reason");
    }
}
