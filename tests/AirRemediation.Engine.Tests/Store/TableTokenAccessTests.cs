using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>
/// The team setup reaches the shared store with Entra tokens (Storage Table Data Contributor on the account), never a
/// key or SAS. build.ps1 runs a second Azurite with <c>--oauth basic</c> on https (<see cref="Variable"/>); the simulator
/// issues the tokens for https://storage.azure.com. Azurite's basic mode checks issuer, audience and lifetime (not the
/// signature or role assignments), so the first tests prove that it really refuses a wrong token before the others rely on it.
/// </summary>
[Trait("Category", "Tables")]
[Collection(StoreCollection.Name)]
public sealed class TableTokenAccessTests
{
    public const string Variable = "AIR_TEST_TABLES_OAUTH_ENDPOINT";

    private static Uri Endpoint =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } e
            ? new Uri(e)
            : throw new InvalidOperationException(
                $"The token-access store tests need Azurite in OAuth mode: {Variable} is not set. Run them through 'dotnet pwsh ./build.ps1 -Task Test', " +
                "which starts it on https://127.0.0.1 with a certificate made for the run.");

    [Fact]
    public async Task Azurite_in_OAuth_mode_refuses_a_token_for_another_audience_and_an_expired_one()
    {
        await using var sim = await SimulatedTenant.StartAsync();
        using var http = new HttpClient(sim.CreateHttpHandler());
        var graphToken = await AppTokenAsync(http, sim, "https://graph.microsoft.com/.default");
        var (status, body) = await ListTablesAsync(graphToken);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("Invalid token audience", body);

        await using var past = await SimulatedTenant.StartAsync(o => o.Clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-2)));
        using var pastHttp = new HttpClient(past.CreateHttpHandler());
        (status, body) = await ListTablesAsync(await AppTokenAsync(pastHttp, past, "https://storage.azure.com/.default"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("expired", body, StringComparison.OrdinalIgnoreCase);

        (status, _) = await ListTablesAsync(await AppTokenAsync(http, sim, "https://storage.azure.com/.default"));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Two_identities_share_one_store_through_their_own_storage_tokens()
    {
        await using var sim = await SimulatedTenant.StartAsync();
        var prefix = Azurite.NewPrefix();
        using var automation = await ConnectAsync(sim, SimulatedTenant.AutomationClientId, SimulatedTenant.AutomationSecret, prefix);
        var store = await automation.GetStoreAsync(default);
        await store.SetSettingAsync("probe", "written with a token", AuditContexts.For(automation, "token access test"));

        using var reader = await ConnectAsync(sim, SimulatedTenant.ReaderClientId, SimulatedTenant.ReaderSecret, prefix);
        var seen = await (await reader.GetStoreAsync(default)).GetSettingAsync("probe");
        Assert.Equal("written with a token", seen);
        var trail = await (await reader.GetStoreAsync(default)).VerifyAuditTrailAsync();
        Assert.True(trail.IsValid, trail.Message);
        Assert.True(trail.Count >= 1, "the setting change was audited in the shared trail");
    }

    [Fact]
    public async Task A_token_storage_refuses_is_a_StoreUnavailable_error_naming_the_endpoint_and_carrying_no_token()
    {
        // Tokens dated two days ago: the simulator accepts them (its clock agrees), storage does not.
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-2));
        await using var sim = await SimulatedTenant.StartAsync(o => o.Clock = past);
        using var session = await ConnectAsync(sim, SimulatedTenant.AutomationClientId, SimulatedTenant.AutomationSecret, Azurite.NewPrefix(), past);
        var e = await Assert.ThrowsAsync<AirException>(() => session.GetStoreAsync(default));
        Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
        Assert.Contains(Endpoint.GetLeftPart(UriPartial.Authority), e.Message, StringComparison.OrdinalIgnoreCase);
        foreach (var token in sim.Secrets.All) Assert.DoesNotContain(token, e.ToString(), StringComparison.Ordinal);
    }

    private static Task<AirSession> ConnectAsync(SimulatorServer sim, string clientId, string secret, string prefix, TimeProvider? clock = null) =>
        SimulatedTenant.ConnectAsync(sim, clientId, secret, clock: clock, tableStore: (Endpoint, prefix));

    private static async Task<string> AppTokenAsync(HttpClient http, SimulatorServer sim, string scope)
    {
        using var response = await http.PostAsync(new Uri(sim.Authority, $"{sim.TenantId}/oauth2/v2.0/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SimulatedTenant.AutomationClientId,
            ["client_secret"] = SimulatedTenant.AutomationSecret,
            ["scope"] = scope,
        }));
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Lists the tables with a bearer token, over a handler that trusts Azurite's loopback certificate only.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> ListTablesAsync(string token)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (m, _, _, _) => m.RequestUri!.IsLoopback };
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/Tables"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("x-ms-version", "2019-02-02");
        request.Headers.Add("x-ms-date", DateTimeOffset.UtcNow.ToString("R"));
        request.Headers.Accept.ParseAdd("application/json;odata=nometadata");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
