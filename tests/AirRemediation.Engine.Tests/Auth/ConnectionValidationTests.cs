using System.Security;
using AirRemediation.Engine.Auth;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

public class ConnectionValidationTests
{
    private static SecureString Secure(string s)
    {
        var ss = new SecureString();
        foreach (var c in s) ss.AppendChar(c);
        return ss;
    }

    [Fact]
    public async Task An_unknown_environment_is_named()
    {
        var e = await Assert.ThrowsAsync<AirException>(() => AirSession.ConnectAsync(
            new ConnectionRequest { Method = SignInMethod.ManagedIdentity, Environment = "Mars" }, default));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("'Mars'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_http_Graph_endpoint_is_refused_unless_it_is_loopback()
    {
        var e = await Assert.ThrowsAsync<AirException>(() => AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.AccessToken,
            GraphAccessToken = Secure(TestJwt.Make(new { tid = "t" })),
            GraphEndpoint = new Uri("http://graph.example.com/v1.0"),
        }, default));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("GraphEndpoint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_access_token_is_a_clear_error()
    {
        var token = TestJwt.Make(new { tid = "t", exp = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() });
        var e = await Assert.ThrowsAsync<AirException>(() => AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.AccessToken,
            GraphAccessToken = Secure(token),
        }, default));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AADSTS7000215: Invalid client secret provided.", "client secret is not valid")]
    [InlineData("AADSTS700016: Application with identifier 'x' was not found", "no application with this client id")]
    [InlineData("AADSTS90002: Tenant 'nope' not found.", "tenant was not found")]
    public void AADSTS_codes_become_plain_words(string serviceText, string expected)
    {
        var e = AuthErrorMapper.Map(new Azure.Identity.AuthenticationFailedException("ClientSecretCredential authentication failed: " + serviceText), ServiceKind.Graph);
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_failures_become_EndpointUnreachable()
    {
        var e = AuthErrorMapper.Map(new Azure.Identity.AuthenticationFailedException("failed",
            new HttpRequestException("Connection refused (127.0.0.1:9)")), ServiceKind.Exchange);
        Assert.Equal(AirErrorKind.EndpointUnreachable, e.Kind);
        Assert.Contains("127.0.0.1:9", e.Message, StringComparison.Ordinal);
    }
}
