using System.Text.Json.Nodes;
using AirRemediation.Engine.Auth;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>
/// Endpoint overrides reach only loopback (the simulator) or the chosen cloud's Microsoft hosts, and a refused
/// override is refused before any token is requested; a credential's requests go to its authority only.
/// </summary>
public sealed class EndpointPolicyTests
{
    private static int IssuedTokens(Simulator.SimulatorServer sim) =>
        sim.Secrets.ToJson()["accessTokens"]!.AsArray().Count;

    [Theory]
    [InlineData("GraphEndpoint", "https://graph.example.org/v1.0")]
    [InlineData("ExchangeEndpoint", "https://outlook.example.org/")]
    [InlineData("AuthorityHost", "https://login.example.org/")]
    [InlineData("GraphEndpoint", "https://graph.microsoft.us/v1.0")]
    [InlineData("GraphEndpoint", "http://graph.microsoft.com/v1.0")]
    [InlineData("GraphEndpoint", "https://graph.microsoft.com:8443/v1.0")]
    [InlineData("GraphEndpoint", "https://graph.microsoft.com.example.org/v1.0")]
    [InlineData("AuthorityHost", "http://127.0.0.1:5001/")]
    public async Task An_override_outside_loopback_and_the_clouds_Microsoft_hosts_is_refused_before_any_token_is_requested(string parameter, string value)
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var before = IssuedTokens(sim);
        var requestsBefore = sim.Stats.TotalRequests;
        var r = new ConnectionRequest
        {
            Method = SignInMethod.ClientSecret,
            TenantId = sim.TenantId,
            ClientId = TrustTenant.AutomationClientId,
            ClientSecret = TrustTenant.Secure(TrustTenant.AutomationSecret),
            AuthorityHost = parameter == "AuthorityHost" ? new Uri(value) : sim.Authority,
            GraphEndpoint = parameter == "GraphEndpoint" ? new Uri(value) : new Uri(sim.Graph),
            ExchangeEndpoint = parameter == "ExchangeEndpoint" ? new Uri(value) : new Uri(sim.Exchange),
            StorePath = TrustTenant.NewStorePath(),
        };
        var e = await Assert.ThrowsAsync<AirException>(() => AirSession.ConnectAsync(r, default));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("-" + parameter, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, IssuedTokens(sim));
        Assert.Equal(requestsBefore, sim.Stats.TotalRequests);

        // The same sign-in with the simulator's own endpoints gets its token: the refusal was the override's.
        using var ok = await TrustTenant.ConnectAppAsync(sim);
        Assert.True(IssuedTokens(sim) > before);
    }

    [Fact]
    public void The_refusal_names_the_parameter_and_the_hosts_that_are_allowed()
    {
        var e = Assert.Throws<AirException>(() => EndpointPolicy.Resolve(
            new ConnectionRequest { Method = SignInMethod.ManagedIdentity, GraphEndpoint = new Uri("https://graph.example.org") }, CloudEnvironment.Global));
        Assert.Contains("-GraphEndpoint 'https://graph.example.org/'", e.Message, StringComparison.Ordinal);
        Assert.Contains("https://graph.microsoft.com", e.Message, StringComparison.Ordinal);
        Assert.Contains("loopback", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Global", "https://graph.microsoft.com/v1.0", "https://outlook.office365.com/", "https://login.microsoftonline.com/")]
    [InlineData("USGovernment", "https://graph.microsoft.us/v1.0", "https://outlook.office365.us/", "https://login.microsoftonline.us/")]
    [InlineData("USGovernmentDoD", "https://dod-graph.microsoft.us/beta", "https://outlook-dod.office365.us/", "https://login.microsoftonline.us/")]
    [InlineData("China", "https://microsoftgraph.chinacloudapi.cn/v1.0", "https://outlook.office365.cn/", "https://login.chinacloudapi.cn/")]
    [InlineData("Global", "http://127.0.0.1:5000/v1.0", "http://localhost:5000/", "https://[::1]:5001/")]
    public void The_chosen_clouds_own_hosts_and_loopback_are_accepted(string cloud, string graph, string exchange, string authority)
    {
        var r = new ConnectionRequest { Method = SignInMethod.ManagedIdentity, GraphEndpoint = new Uri(graph), ExchangeEndpoint = new Uri(exchange), AuthorityHost = new Uri(authority) };
        var resolved = EndpointPolicy.Resolve(r, CloudEnvironment.Parse(cloud));
        Assert.Equal(new Uri(graph), resolved.Graph);
        Assert.Equal(new Uri(authority), resolved.Authority);
        Assert.Equal(authority.Contains("[::1]", StringComparison.Ordinal), resolved.LoopbackAuthority);
    }

    [Fact]
    public async Task A_credential_posts_its_secret_only_to_its_own_authority()
    {
        await using var mine = await TrustTenant.ContosoAsync();
        await using var elsewhere = await TrustTenant.ContosoAsync();
        using var sockets = mine.CreateHttpHandler();
        using var guard = new CredentialHostGuard(mine.Authority, sockets);
        using var http = new HttpClient(guard);
        FormUrlEncodedContent Form() => new(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TrustTenant.AutomationClientId,
            ["client_secret"] = TrustTenant.AutomationSecret,
            ["scope"] = TrustTenant.GraphScope,
        });

        var before = IssuedTokens(elsewhere);
        var e = await Assert.ThrowsAsync<AirException>(() => http.PostAsync($"{elsewhere.Authority}{elsewhere.TenantId}/oauth2/v2.0/token", Form()));
        Assert.Contains(elsewhere.Authority.GetLeftPart(UriPartial.Authority), e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TrustTenant.AutomationSecret, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, IssuedTokens(elsewhere));

        using var response = await http.PostAsync($"{mine.Authority}{mine.TenantId}/oauth2/v2.0/token", Form());
        Assert.True(response.IsSuccessStatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]);
    }
}
