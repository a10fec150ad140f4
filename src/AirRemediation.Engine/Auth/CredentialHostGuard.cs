using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// The transport of every Entra credential (client secret, certificate, device code, browser): it lets a request
/// through only to the session's authority (scheme, host and port), plus read-only GETs to the Microsoft authority
/// hosts that MSAL asks about the authority (instance discovery). So a client secret or a signed client assertion is
/// posted to the chosen cloud's Entra endpoint or to the loopback simulator and nowhere else, even if a metadata
/// document or a redirect named another host. <see cref="EndpointPolicy"/> has already checked the authority itself.
/// </summary>
internal sealed class CredentialHostGuard(Uri authority, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly string allowedOrigin = authority.GetLeftPart(UriPartial.Authority);

    private static readonly HashSet<string> MicrosoftAuthorityHosts = new(
        CloudEnvironment.All.Select(c => c.Authority.IdnHost), StringComparer.OrdinalIgnoreCase);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is null || !Allowed(request.Method, uri))
        {
            var where = uri is null ? "(no address)" : uri.GetLeftPart(UriPartial.Authority);
            throw new AirException(AirErrorKind.InvalidInput,
                $"Sign-in tried to send a {request.Method} request to {where}, which is not the authority of this connection ({allowedOrigin}); it was not sent, so no credential left for it.",
                where);
        }
        return base.SendAsync(request, cancellationToken);
    }

    internal bool Allowed(HttpMethod method, Uri uri)
    {
        if (string.Equals(uri.GetLeftPart(UriPartial.Authority), allowedOrigin, StringComparison.OrdinalIgnoreCase)) return true;
        // Instance discovery and OpenID metadata are GETs without a credential, always to Microsoft's own hosts.
        return method == HttpMethod.Get && !HttpPipeline.IsLoopback(authority)
            && uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort && MicrosoftAuthorityHosts.Contains(uri.IdnHost);
    }
}
