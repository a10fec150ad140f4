using AirRemediation.Engine.Auth;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Kiota's token source, backed by the session's <see cref="TokenProvider"/> so Graph calls share its renewal
/// rules, and restricted to the session's Graph host (a token is never attached to any other host).
/// </summary>
internal sealed class SessionTokenProvider(AirSession session) : IAccessTokenProvider
{
    public AllowedHostsValidator AllowedHostsValidator { get; } = new([session.GraphEndpoint.Host]);

    public async Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null,
        CancellationToken cancellationToken = default)
    {
        if (!AllowedHostsValidator.IsUrlHostValid(uri)) return string.Empty;
        return await session.GetTokenAsync(ServiceKind.Graph, cancellationToken, Http.ServiceCaller.ForceRefreshRequested).ConfigureAwait(false);
    }
}
