using Azure.Core;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Bring-your-own tokens: a Graph token and, optionally, an Exchange token. They cannot be refreshed; an expired one
/// is a clear error asking for a new token rather than a 401 in the middle of a run.
/// </summary>
internal sealed class StaticTokenCredential(string graphToken, string? exchangeToken, TimeProvider clock) : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        Pick(requestContext);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Pick(requestContext));

    private AccessToken Pick(TokenRequestContext ctx)
    {
        var scope = ctx.Scopes.FirstOrDefault() ?? string.Empty;
        var isGraph = scope.Contains("graph", StringComparison.OrdinalIgnoreCase);
        var token = isGraph ? graphToken : exchangeToken;
        var which = isGraph ? "Graph" : "Exchange";
        if (token is null)
            throw new AirException(AirErrorKind.AuthenticationFailed,
                $"No {which} access token was given; pass -ExchangeAccessToken to use Exchange features with -AccessToken.", which);
        var claims = TokenClaims.Parse(token);
        var now = clock.GetUtcNow();
        var expires = claims.ExpiresOn ?? now.AddMinutes(50);
        if (expires <= now)
            throw new AirException(AirErrorKind.AuthenticationFailed,
                $"The {which} access token passed to Connect-AirService expired at {expires:u}; get a new token and connect again.", which);
        return new AccessToken(token, expires);
    }
}
