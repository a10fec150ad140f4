using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AirRemediation.Simulator;
using AirRemediation.Simulator.Identity;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace AirRemediation.Simulator.Tests;

/// <summary>Starting the sample tenant and talking to it the way the module will.</summary>
internal static class TestTenant
{
    public const string AutomationClientId = "3f4e2b1a-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
    public const string AutomationSecret = "sim-secret-Automation-9QxL2v~Hk3pWd";
    public const string ReaderClientId = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
    public const string ReaderSecret = "sim-secret-Reader-4TzQ8m~Lp2Xc";
    public const string InteractiveClientId = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
    public const string SystemIdentityClientId = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";
    public const string UserIdentityClientId = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a";
    public const string IdentityHeader = "sim-identity-header-2b7e1c9f4d";
    public const string PfxPassword = "Sim-Pfx-Passw0rd-7f3c";
    public const string TenantId = "7d6a3c1e-0f3b-4c55-9a62-5b8e1f0c2d44";
    public const string GraphScope = "https://graph.microsoft.com/.default";
    public const string ExchangeScope = "https://outlook.office365.com/.default";

    public static string ScenarioPath => Path.Combine(AppContext.BaseDirectory, "Scenarios", "default.json");
    public static string PfxPath => Path.Combine(AppContext.BaseDirectory, "Scenarios", "airremediation-automation.pfx");

    public static Task<SimulatorServer> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var o = new SimulatorOptions { ScenarioPath = ScenarioPath };
        configure?.Invoke(o);
        return SimulatorServer.StartAsync(o);
    }

    public static T Options<T>(SimulatorServer s, T o) where T : TokenCredentialOptions
    {
        o.AuthorityHost = s.Authority;
        o.Transport = new HttpClientTransport(s.CreateHttpHandler());
        o.Retry.MaxRetries = 0;
        return o;
    }

    public static ClientSecretCredential SecretCredential(SimulatorServer s, string clientId = AutomationClientId, string secret = AutomationSecret) =>
        new(s.TenantId, clientId, secret, Options(s, new ClientSecretCredentialOptions { DisableInstanceDiscovery = true }));

    public static async Task<string> AppTokenAsync(SimulatorServer s, string scope = GraphScope, string clientId = AutomationClientId, string secret = AutomationSecret) =>
        (await SecretCredential(s, clientId, secret).GetTokenAsync(new TokenRequestContext([scope]), default)).Token;

    public static HttpClient Client(SimulatorServer s, string? token = null)
    {
        var c = new HttpClient(s.CreateHttpHandler());
        if (token is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    public static JsonObject Claims(string jwt) => JsonNode.Parse(TokenService.FromBase64Url(jwt.Split('.')[1]))!.AsObject();

    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Raw)> SendAsync(HttpClient c, HttpMethod method, string url, string? json = null, Action<HttpRequestMessage>? configure = null)
    {
        using var req = new HttpRequestMessage(method, url);
        if (json is not null) req.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        configure?.Invoke(req);
        var resp = await c.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        return ((int)resp.StatusCode, string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text), resp);
    }

    public static async Task<JsonObject> SimulatorJsonAsync(SimulatorServer s, string path)
    {
        using var c = Client(s);
        return JsonNode.Parse(await c.GetStringAsync(s.Http + "_simulator/" + path))!.AsObject();
    }
}
