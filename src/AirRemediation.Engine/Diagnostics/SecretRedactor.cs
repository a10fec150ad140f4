using System.Text.RegularExpressions;

namespace AirRemediation.Engine.Diagnostics;

/// <summary>
/// Last line of defence for text that came from outside (a service's error description, a URL): removes anything
/// shaped like a bearer token, a JWT or a secret-bearing query parameter before it reaches a log or an error.
/// The first line of defence is not to put secrets into text at all.
/// </summary>
public static partial class SecretRedactor
{
    private const string Mask = "***";

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        var s = BearerPattern().Replace(text, "Bearer " + Mask);
        s = JwtPattern().Replace(s, Mask);
        s = SecretQueryPattern().Replace(s, m => m.Groups[1].Value + "=" + Mask);
        return s;
    }

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9\-_\.~\+/=]+", RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();

    // Three base64url segments, the first two long enough to be a JWT header and payload.
    [GeneratedRegex(@"eyJ[A-Za-z0-9\-_]{8,}\.[A-Za-z0-9\-_]{8,}\.[A-Za-z0-9\-_]*")]
    private static partial Regex JwtPattern();

    [GeneratedRegex(@"\b(sig|code|client_secret|client_assertion|access_token|refresh_token|assertion|password|secret)=[^&\s""']*", RegexOptions.IgnoreCase)]
    private static partial Regex SecretQueryPattern();
}
