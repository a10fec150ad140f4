using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Where a session may send tokens, secrets and requests: the documented Microsoft hosts of the chosen cloud
/// (<see cref="CloudEnvironment"/>), or loopback for the tenant simulator. Nothing else. An override such as
/// <c>-GraphEndpoint https://graph.example.org</c> would otherwise receive a tenant-wide Graph token, and
/// <c>-AuthorityHost</c> the client secret or signed client assertion. Checked before any credential is built.
/// </summary>
internal static class EndpointPolicy
{
    public sealed record Endpoints(Uri Graph, Uri Exchange, Uri Authority)
    {
        /// <summary>True when the authority is the simulator (loopback): MSAL instance discovery must stay off.</summary>
        public bool LoopbackAuthority => HttpPipeline.IsLoopback(Authority);
    }

    public static Endpoints Resolve(ConnectionRequest r, CloudEnvironment cloud) => new(
        Check("GraphEndpoint", r.GraphEndpoint, cloud.Graph, cloud, "Microsoft Graph", httpOnLoopback: true),
        Check("ExchangeEndpoint", r.ExchangeEndpoint, cloud.Exchange, cloud, "Exchange Online", httpOnLoopback: true),
        // Azure.Identity accepts only an https authority, loopback included (the simulator serves tokens over TLS).
        Check("AuthorityHost", r.AuthorityHost, cloud.Authority, cloud, "Microsoft Entra ID", httpOnLoopback: false));

    /// <summary>Whether <paramref name="uri"/> is a host a session of <paramref name="cloud"/> may talk to for this service.</summary>
    public static bool IsAllowed(Uri uri, Uri cloudDefault) =>
        uri.IsAbsoluteUri && string.IsNullOrEmpty(uri.UserInfo)
        && (HttpPipeline.IsLoopback(uri)
            || (uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort
                && string.Equals(uri.IdnHost, cloudDefault.IdnHost, StringComparison.OrdinalIgnoreCase)));

    private static Uri Check(string parameter, Uri? given, Uri cloudDefault, CloudEnvironment cloud, string service, bool httpOnLoopback)
    {
        if (given is null) return cloudDefault;
        var shown = given.IsAbsoluteUri ? given.GetLeftPart(UriPartial.Path) : given.OriginalString;
        if (!given.IsAbsoluteUri || (given.Scheme != Uri.UriSchemeHttps && given.Scheme != Uri.UriSchemeHttp))
            throw Refuse(parameter, $"-{parameter} '{shown}' is not an absolute http(s) address.", shown);
        if (!string.IsNullOrEmpty(given.UserInfo))
            throw Refuse(parameter, $"-{parameter} must not carry a user name or password in the address.", parameter);
        if (HttpPipeline.IsLoopback(given))
        {
            if (given.Scheme == Uri.UriSchemeHttp && !httpOnLoopback)
                throw Refuse(parameter, $"-{parameter} '{shown}' must be an https address (Entra and the simulator both serve tokens over TLS).", shown);
            return given;
        }
        if (!IsAllowed(given, cloudDefault))
            throw Refuse(parameter,
                $"-{parameter} '{shown}' is not allowed: {service} of the {cloud.Name} cloud is https://{cloudDefault.IdnHost} only, " +
                $"or a loopback address for the tenant simulator (127.0.0.1, [::1], localhost; plain http is accepted there{(httpOnLoopback ? "" : " except for -AuthorityHost")}). " +
                "Tokens and secrets are never sent anywhere else; for another Microsoft cloud choose it with -Environment.", shown);
        return given;
    }

    private static AirException Refuse(string parameter, string message, string target) =>
        new(AirErrorKind.InvalidInput, message, string.IsNullOrEmpty(target) ? parameter : target);
}
