using System.Text.RegularExpressions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// Defence in depth for "the store never holds a token or secret": the fields the module itself writes about identities
/// and settings (audit actor, sign-in description and reason, proposer name, setting values) are refused when they plainly
/// hold a credential (a JWT access token, a bearer header, a client secret or password field, a storage account key or SAS
/// signature). It is a tripwire for programming mistakes, not a data-loss-prevention scanner — and it never looks at what
/// attackers write (subjects, URLs, rule names in items, summaries, parameters): refusing those would let a phishing
/// sender stop its own remediation.
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

    /// <summary>True if <paramref name="value"/> contains something that looks like a credential.</summary>
    public static bool LooksLikeSecret(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        try
        {
            return TokenPattern().IsMatch(value) || CredentialPattern().IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return true; // pathological input: refuse rather than store something unchecked
        }
    }

    /// <summary>Throws AirException(InvalidInput) naming the field (never echoing the value) if it looks like a credential.</summary>
    public static void Ensure(string? value, string field)
    {
        if (LooksLikeSecret(value))
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
