using System.Net;
using System.Text.Json.Nodes;
using AirRemediation.Simulator.State;
using Azure.Core;
using Azure.Identity;

namespace AirRemediation.Simulator.Tests;

public sealed class IdentityTests
{
    [Fact]
    public async Task ClientSecretCredential_gets_a_graph_app_token_with_the_apps_roles()
    {
        await using var s = await TestTenant.StartAsync();
        var token = await TestTenant.AppTokenAsync(s);
        var claims = TestTenant.Claims(token);
        Assert.Equal("https://graph.microsoft.com", (string?)claims["aud"]);
        Assert.Equal($"https://sts.windows.net/{TestTenant.TenantId}/", (string?)claims["iss"]);
        Assert.Equal("app", (string?)claims["idtyp"]);
        Assert.Equal(TestTenant.AutomationClientId, (string?)claims["appid"]);
        Assert.Equal("AirRemediation Automation", (string?)claims["app_displayname"]);
        Assert.Contains("Mail.ReadWrite", claims["roles"]!.AsArray().Select(r => (string?)r));
        Assert.Contains(DirectoryRoles.SecurityAdministrator, claims["wids"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(3599, (long)claims["exp"]! - (long)claims["iat"]!);
    }

    [Fact]
    public async Task ClientSecretCredential_gets_an_exchange_token_with_ManageAsApp()
    {
        await using var s = await TestTenant.StartAsync();
        var claims = TestTenant.Claims(await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        Assert.Equal("https://outlook.office365.com", (string?)claims["aud"]);
        Assert.Equal(["Exchange.ManageAsApp"], claims["roles"]!.AsArray().Select(r => (string?)r));
    }

    [Fact]
    public async Task ClientCertificateCredential_with_the_pfx_gets_a_token()
    {
        await using var s = await TestTenant.StartAsync();
        var cred = new ClientCertificateCredential(s.TenantId, TestTenant.AutomationClientId,
            System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(TestTenant.PfxPath, TestTenant.PfxPassword),
            TestTenant.Options(s, new ClientCertificateCredentialOptions { DisableInstanceDiscovery = true }));
        var token = await cred.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default);
        Assert.Equal("2", (string?)TestTenant.Claims(token.Token)["appidacr"]);
    }

    [Fact]
    public async Task ClientCertificateCredential_with_an_unregistered_certificate_fails_with_AADSTS700027()
    {
        await using var s = await TestTenant.StartAsync();
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=stranger", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var stranger = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var cred = new ClientCertificateCredential(s.TenantId, TestTenant.AutomationClientId, stranger,
            TestTenant.Options(s, new ClientCertificateCredentialOptions { DisableInstanceDiscovery = true }));
        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await cred.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default));
        Assert.Contains("AADSTS700027", e.ToString());
    }

    [Fact]
    public async Task A_bad_secret_gets_Entras_invalid_client_error_without_echoing_the_secret()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s);
        var resp = await c.PostAsync($"{s.Authority}{s.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestTenant.AutomationClientId,
            ["client_secret"] = "wrong-secret-value-XYZ",
            ["scope"] = TestTenant.GraphScope,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
        var text = await resp.Content.ReadAsStringAsync();
        Assert.DoesNotContain("wrong-secret-value-XYZ", text);
        var body = JsonNode.Parse(text)!;
        Assert.Equal("invalid_client", (string?)body["error"]);
        Assert.StartsWith("AADSTS7000215: Invalid client secret provided.", (string?)body["error_description"]);
        Assert.Contains("\r\nTrace ID: ", (string?)body["error_description"]);
        Assert.Equal(7000215, (int)body["error_codes"]![0]!);
        Assert.NotNull(body["trace_id"]);
        Assert.NotNull(body["correlation_id"]);
        Assert.NotNull(body["timestamp"]);

        var cred = TestTenant.SecretCredential(s, secret: "wrong-secret-value-XYZ");
        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await cred.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default));
        Assert.Contains("AADSTS7000215", e.ToString());
    }

    [Theory]
    [InlineData("7d6a3c1e-0f3b-4c55-9a62-5b8e1f0c2d44", "00000000-0000-4000-8000-000000000000", "scope", 400, "unauthorized_client", 700016)]
    [InlineData("11111111-aaaa-4aaa-8aaa-111111111111", "3f4e2b1a-7c8d-4e9f-a0b1-c2d3e4f5a6b7", "scope", 400, "invalid_request", 90002)]
    [InlineData("contoso.com", "3f4e2b1a-7c8d-4e9f-a0b1-c2d3e4f5a6b7", "https://graph.microsoft.com/Mail.Read", 400, "invalid_scope", 1002012)]
    public async Task Entra_errors_have_Entras_codes(string tenant, string clientId, string scope, int status, string error, int code)
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s);
        var resp = await c.PostAsync($"{s.Authority}{tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = TestTenant.AutomationSecret,
            ["scope"] = scope == "scope" ? TestTenant.GraphScope : scope,
        }));
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal(status, (int)resp.StatusCode);
        Assert.Equal(error, (string?)body["error"]);
        Assert.Equal(code, (int)body["error_codes"]![0]!);
        Assert.StartsWith($"AADSTS{code}:", (string?)body["error_description"]);
    }

    [Fact]
    public async Task DeviceCodeCredential_signs_in_the_scenarios_user_and_refreshes_for_exchange()
    {
        await using var s = await TestTenant.StartAsync();
        var messages = new List<string>();
        var cred = new DeviceCodeCredential(TestTenant.Options(s, new DeviceCodeCredentialOptions
        {
            ClientId = TestTenant.InteractiveClientId,
            TenantId = "organizations",
            DisableInstanceDiscovery = true,
            DeviceCodeCallback = (info, _) =>
            {
                messages.Add(info.Message);
                return Task.CompletedTask;
            },
        }));
        var token = await cred.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default);
        var claims = TestTenant.Claims(token.Token);
        Assert.Equal("user", (string?)claims["idtyp"]);
        Assert.Equal("megan@contoso.com", (string?)claims["upn"]);
        Assert.Equal("megan@contoso.com", (string?)claims["preferred_username"]);
        Assert.Contains("Mail.ReadWrite", ((string?)claims["scp"])!.Split(' '));
        Assert.Contains(DirectoryRoles.SecurityAdministrator, claims["wids"]!.AsArray().Select(r => (string?)r));
        Assert.Single(messages);
        Assert.Matches(@"^To sign in, use a web browser to open the page https://127\.0\.0\.1:\d+/devicelogin and enter the code [A-Z0-9]{9} to authenticate\.$", messages[0]);

        // Second resource: MSAL uses the refresh token, no second device code.
        var exo = await cred.GetTokenAsync(new TokenRequestContext([TestTenant.ExchangeScope]), default);
        Assert.Equal("https://outlook.office365.com", (string?)TestTenant.Claims(exo.Token)["aud"]);
        Assert.Single(messages);
    }

    [Fact]
    public async Task Device_code_polling_is_pending_until_approved()
    {
        await using var s = await TestTenant.StartAsync(o => o.DeviceCodeApprovalDelay = TimeSpan.FromMinutes(5));
        using var c = TestTenant.Client(s);
        var dc = JsonNode.Parse(await (await c.PostAsync($"{s.Authority}organizations/oauth2/v2.0/devicecode", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = TestTenant.InteractiveClientId,
            ["scope"] = "https://graph.microsoft.com/.default offline_access openid profile",
        }))).Content.ReadAsStringAsync())!;
        Assert.Equal(1, (int)dc["interval"]!);
        var resp = await c.PostAsync($"{s.Authority}organizations/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
            ["client_id"] = TestTenant.InteractiveClientId,
            ["device_code"] = (string)dc["device_code"]!,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal("authorization_pending", (string?)body["error"]);
        Assert.Equal(70016, (int)body["error_codes"]![0]!);
    }

    [Fact]
    public async Task Imds_requires_the_metadata_header_and_maps_identities()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s);
        var url = $"{s.Imds}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com";
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, url);
        Assert.Equal(400, status);
        Assert.Equal("invalid_request", (string?)body!["error"]);

        (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, url, configure: r => r.Headers.Add("Metadata", "true"));
        Assert.Equal(200, status);
        Assert.Equal(TestTenant.SystemIdentityClientId, (string?)body!["client_id"]);
        Assert.Equal(TestTenant.SystemIdentityClientId, (string?)TestTenant.Claims((string)body["access_token"]!)["appid"]);

        (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, url + "&client_id=" + TestTenant.UserIdentityClientId, configure: r => r.Headers.Add("Metadata", "true"));
        Assert.Equal(200, status);
        Assert.Equal(TestTenant.UserIdentityClientId, (string?)body!["client_id"]);
    }

    [Fact]
    public async Task Secrets_endpoint_lists_everything_issued_and_held()
    {
        await using var s = await TestTenant.StartAsync();
        var token = await TestTenant.AppTokenAsync(s);
        var secrets = await TestTenant.SimulatorJsonAsync(s, "secrets");
        var all = secrets["all"]!.AsArray().Select(n => (string?)n).ToList();
        Assert.Contains(token, all);
        Assert.Contains(TestTenant.AutomationSecret, all);
        Assert.Contains(TestTenant.PfxPassword, all);
        Assert.Contains(TestTenant.IdentityHeader, all);
        Assert.Contains(token, secrets["accessTokens"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task Graph_rejects_missing_bad_and_expired_tokens_with_InvalidAuthenticationToken()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestTenant.StartAsync(o => { o.Clock = clock; o.TokenLifetimeSeconds = 60; });
        var token = await TestTenant.AppTokenAsync(s);
        foreach (var auth in new string?[] { null, "Bearer not.a.token", "Bearer " + token })
        {
            if (auth == "Bearer " + token) clock.Advance(TimeSpan.FromSeconds(61));
            using var c = TestTenant.Client(s);
            var (status, body, raw) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users", configure: r => { if (auth is not null) r.Headers.TryAddWithoutValidation("Authorization", auth); });
            Assert.Equal(401, status);
            Assert.Equal("InvalidAuthenticationToken", (string?)body!["error"]!["code"]);
            Assert.NotNull(body["error"]!["innerError"]!["request-id"]);
            Assert.NotNull(body["error"]!["innerError"]!["date"]);
            Assert.True(raw.Headers.WwwAuthenticate.Count > 0);
        }
    }
}
