using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using AirRemediation.Engine.Diagnostics;
using Azure.Identity;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Turns what Azure.Identity and MSAL throw into one <see cref="AirException"/> that says in plain words what
/// was wrong (and keeps the AADSTS code), without their stack traces or anything secret.
/// </summary>
internal static partial class AuthErrorMapper
{
    private static readonly Dictionary<string, string> KnownCodes = new()
    {
        ["7000215"] = "the client secret is not valid for this application",
        ["7000222"] = "the client secret has expired",
        ["700016"] = "no application with this client id exists in the tenant",
        ["90002"] = "the tenant was not found",
        ["900023"] = "the tenant id is not a valid tenant name or id",
        ["700027"] = "the certificate is not registered for this application, or its signature is invalid",
        ["700024"] = "the client assertion is not within its valid time range",
        ["50034"] = "the user account does not exist in this tenant",
        ["50126"] = "the user name or password is wrong",
        ["70016"] = "the device code has not been approved yet",
        ["70020"] = "the device code expired before it was used",
        ["65001"] = "the user or an administrator has not consented to use the application",
    };

    public static AirException Map(Exception e, ServiceKind kind)
    {
        if (e is AirException air) return air;
        var all = Flatten(e).ToList();
        // Our own refusal (CredentialHostGuard) wrapped by MSAL and Azure.Identity: its words are the ones to show.
        if (all.OfType<AirException>().FirstOrDefault() is { } ours) return ours;

        var unreachable = all.FirstOrDefault(x => x is HttpRequestException or SocketException or AuthenticationException);
        var text = string.Join(" ", all.Select(x => x.Message));
        var code = AadstsCode().Match(text);
        if (code.Success)
        {
            var n = code.Groups[1].Value;
            var what = KnownCodes.TryGetValue(n, out var w) ? w : "the identity provider refused the request";
            return new AirException(AirErrorKind.AuthenticationFailed,
                $"Sign-in for {kind} failed: {what} (AADSTS{n}).", kind.ToString()) { ServiceCode = "AADSTS" + n };
        }
        if (all.Any(x => x is CredentialUnavailableException))
        {
            var first = all.First(x => x is CredentialUnavailableException);
            return new AirException(AirErrorKind.AuthenticationFailed,
                $"Sign-in for {kind} is not possible here: {FirstSentence(first.Message)}", kind.ToString());
        }
        if (unreachable is not null)
        {
            return new AirException(AirErrorKind.EndpointUnreachable,
                $"Sign-in for {kind} failed: the identity endpoint could not be reached ({FirstSentence(unreachable.Message)}).", kind.ToString());
        }
        return new AirException(AirErrorKind.AuthenticationFailed,
            $"Sign-in for {kind} failed: {FirstSentence(e.Message)}", kind.ToString());
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException agg)
                foreach (var i in agg.InnerExceptions.SelectMany(Flatten)) yield return i;
        }
    }

    private static string FirstSentence(string message)
    {
        var m = SecretRedactor.Redact(message).Split('\n')[0].Trim();
        var cut = m.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? m[..(cut + 1)] : m;
    }

    [GeneratedRegex(@"AADSTS(\d{4,7})")]
    private static partial Regex AadstsCode();
}
