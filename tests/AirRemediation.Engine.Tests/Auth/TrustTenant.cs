using System.Security;
using System.Text;
using System.Text.Json.Nodes;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;
using AirRemediation.Simulator;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>
/// Simulated tenants for the verification tests: the default tenant (Contoso) and the minimal one (Fabrikam, another
/// tenant id), tokens fetched from their Entra endpoint over HTTP, and tokens forged from real ones.
/// </summary>
internal static class TrustTenant
{
    public const string AutomationClientId = "3f4e2b1a-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
    public const string AutomationSecret = "sim-secret-Automation-9QxL2v~Hk3pWd";
    public const string ReaderClientId = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
    public const string ReaderSecret = "sim-secret-Reader-4TzQ8m~Lp2Xc";
    public const string InteractiveClientId = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
    public const string MinimalClientId = "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f";
    public const string MinimalSecret = "sim-secret-Minimal-7Yh2Qw~Zp4Lk";
    public const string GraphScope = "https://graph.microsoft.com/.default";
    public const string ExchangeScope = "https://outlook.office365.com/.default";

    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    public static Task<SimulatorServer> ContosoAsync(Action<SimulatorOptions>? configure = null)
    {
        var o = new SimulatorOptions { ScenarioPath = Scenario("default.json"), DeviceCodeApprovalDelay = TimeSpan.Zero };
        configure?.Invoke(o);
        return SimulatorServer.StartAsync(o);
    }

    public static Task<SimulatorServer> FabrikamAsync() =>
        SimulatorServer.StartAsync(new SimulatorOptions { ScenarioPath = Scenario("minimal.json") });

    /// <summary>The default scenario with one change, for a tenant that differs from the default in one respect.</summary>
    public static Task<SimulatorServer> ContosoWithAsync(Action<ScenarioDocument> edit)
    {
        var doc = ScenarioLoader.ReadFile(Scenario("default.json"));
        edit(doc);
        return SimulatorServer.StartAsync(new SimulatorOptions { Scenario = doc, ScenarioPath = Scenario("default.json"), DeviceCodeApprovalDelay = TimeSpan.Zero });
    }

    public static SecureString Secure(string s)
    {
        var ss = new SecureString();
        foreach (var c in s) ss.AppendChar(c);
        ss.MakeReadOnly();
        return ss;
    }

    public static string NewStorePath() => Path.Combine(Path.GetTempPath(), "air-trust-" + Guid.NewGuid().ToString("n") + ".db");

    public static RetryOptions Quick => new() { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) };

    /// <summary>An app-only token straight from the simulator's token endpoint (client credentials over HTTPS).</summary>
    public static async Task<string> AppTokenAsync(SimulatorServer s, string scope = GraphScope, string clientId = AutomationClientId, string secret = AutomationSecret)
    {
        using var http = new HttpClient(s.CreateHttpHandler());
        using var response = await http.PostAsync($"{s.Authority}{s.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = scope,
        }));
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!;
    }

    public static JsonObject Claims(string jwt) => JsonNode.Parse(Base64UrlDecode(jwt.Split('.')[1]))!.AsObject();

    public static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A JWT with the given header and claims and a made-up signature (or none).</summary>
    public static string Jwt(string header, JsonObject claims, string signature) => B64(header) + "." + B64(claims.ToJsonString()) + "." + signature;

    /// <summary>The session an admin would get with Connect-AirService against this simulator.</summary>
    public static ConnectionRequest Request(SimulatorServer s, SignInMethod method, string? storePath = null) => new()
    {
        Method = method,
        AuthorityHost = s.Authority,
        GraphEndpoint = new Uri(s.Graph),
        ExchangeEndpoint = new Uri(s.Exchange),
        StorePath = storePath ?? NewStorePath(),
        Retry = Quick,
    };

    public static Task<AirSession> ConnectAppAsync(SimulatorServer s, string? storePath = null, string clientId = AutomationClientId, string secret = AutomationSecret) =>
        AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.ClientSecret,
            TenantId = s.TenantId,
            ClientId = clientId,
            ClientSecret = Secure(secret),
            AuthorityHost = s.Authority,
            GraphEndpoint = new Uri(s.Graph),
            ExchangeEndpoint = new Uri(s.Exchange),
            StorePath = storePath ?? NewStorePath(),
            Retry = Quick,
        }, default);

    public static Task<AirSession> ConnectTokenAsync(SimulatorServer s, string graphToken, string? exchangeToken = null, string? storePath = null, string? tenantId = null) =>
        AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.AccessToken,
            TenantId = tenantId,
            GraphAccessToken = Secure(graphToken),
            ExchangeAccessToken = exchangeToken is null ? null : Secure(exchangeToken),
            GraphEndpoint = new Uri(s.Graph),
            ExchangeEndpoint = new Uri(s.Exchange),
            StorePath = storePath ?? NewStorePath(),
            Retry = Quick,
        }, default);

    /// <summary>Device code sign-in of the scenario's device code user (Megan, Security Administrator) through the Engine.</summary>
    public static Task<AirSession> ConnectUserAsync(SimulatorServer s, string? storePath = null) =>
        AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.DeviceCode,
            TenantId = s.TenantId,
            ClientId = InteractiveClientId,
            AuthorityHost = s.Authority,
            GraphEndpoint = new Uri(s.Graph),
            ExchangeEndpoint = new Uri(s.Exchange),
            StorePath = storePath ?? NewStorePath(),
            DeviceCodePrompt = _ => { },
            Retry = Quick,
        }, default);

    private static byte[] Base64UrlDecode(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        b += (b.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.FromBase64String(b);
    }
}
