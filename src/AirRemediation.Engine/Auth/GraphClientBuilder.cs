using AirRemediation.Engine.Auth;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Builds the session's GraphServiceClient: Graph's default middleware minus its RetryHandler (our executor owns
/// retries, per mailbox, and must never have another layer retrying underneath it), on the session's shared
/// socket handler, with tokens from the session.
/// </summary>
internal static class GraphClientBuilder
{
    public static GraphServiceClient Create(AirSession session)
    {
        var handlers = GraphClientFactory.CreateDefaultHandlers()
            .Where(h => h is not RetryHandler)
            .ToList();
        var http = GraphClientFactory.Create(handlers, version: "v1.0", finalHandler: session.Handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(100);
        var auth = new BaseBearerTokenAuthenticationProvider(new SessionTokenProvider(session));
        return new GraphServiceClient(http, auth, session.GraphEndpoint.ToString().TrimEnd('/'));
    }
}
