using System.Text;
using System.Text.Json.Nodes;
using AirRemediation.Simulator.Identity;
using AirRemediation.Simulator.State;
using Azure.Core;
using Azure.Identity;

namespace AirRemediation.Simulator.Tests;

/// <summary>
/// What the module's connect-time verification relies on: Graph refuses every token it did not issue, and answers
/// /me, /organization and /me/transitiveMemberOf with the permissions Graph documents.
/// </summary>
public sealed class VerificationTests
{
    private static string B64(string s) => TokenService.Base64Url(Encoding.UTF8.GetBytes(s));

    /// <summary>The claims of a real token, re-encoded with another header and signature.</summary>
    private static string Forge(string realToken, string header, string signature, Action<JsonObject>? edit = null)
    {
        var claims = TestTenant.Claims(realToken);
        edit?.Invoke(claims);
        return B64(header) + "." + B64(claims.ToJsonString()) + "." + signature;
    }

    private static async Task<(int Status, JsonNode? Body)> GetAsync(SimulatorServer s, string token, string path)
    {
        using var c = TestTenant.Client(s, token);
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + path);
        return (status, body);
    }

    private static async Task<string> UserTokenAsync(SimulatorServer s, string scope = TestTenant.GraphScope)
    {
        var cred = new DeviceCodeCredential(TestTenant.Options(s, new DeviceCodeCredentialOptions
        {
            ClientId = TestTenant.InteractiveClientId,
            TenantId = s.TenantId,
            DisableInstanceDiscovery = true,
            DeviceCodeCallback = (_, _) => Task.CompletedTask,
        }));
        return (await cred.GetTokenAsync(new TokenRequestContext([scope]), default)).Token;
    }

    [Fact]
    public async Task Graph_refuses_an_unsigned_token_even_with_the_claims_of_a_real_one()
    {
        await using var s = await TestTenant.StartAsync();
        var real = await TestTenant.AppTokenAsync(s);
        var unsigned = Forge(real, "{\"alg\":\"none\",\"typ\":\"JWT\"}", "");
        var (status, body) = await GetAsync(s, unsigned, "/organization");
        Assert.Equal(401, status);
        Assert.Equal("InvalidAuthenticationToken", (string?)body!["error"]!["code"]);
        Assert.Contains("alg 'none'", (string?)body["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(200, (await GetAsync(s, real, "/organization")).Status);
    }

    [Fact]
    public async Task Graph_refuses_a_token_whose_claims_were_changed_after_signing()
    {
        await using var s = await TestTenant.StartAsync();
        var real = await TestTenant.AppTokenAsync(s);
        var signature = real.Split('.')[2];
        var altered = Forge(real, "{\"typ\":\"JWT\",\"alg\":\"HS256\",\"kid\":\"airsim\"}", signature,
            c => c["wids"] = new JsonArray(DirectoryRoles.GlobalAdministrator));
        var (status, body) = await GetAsync(s, altered, "/organization");
        Assert.Equal(401, status);
        Assert.Equal("InvalidAuthenticationToken", (string?)body!["error"]!["code"]);
        Assert.Equal("Invalid signature.", (string?)body["error"]!["message"]);
    }

    [Fact]
    public async Task Graph_refuses_a_token_another_simulator_signed_and_a_token_for_Exchange()
    {
        await using var s = await TestTenant.StartAsync();
        await using var other = await TestTenant.StartAsync();
        var foreign = await TestTenant.AppTokenAsync(other);
        var (status, body) = await GetAsync(s, foreign, "/organization");
        Assert.Equal(401, status);
        Assert.Equal("InvalidAuthenticationToken", (string?)body!["error"]!["code"]);

        var exchange = await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope);
        (status, body) = await GetAsync(s, exchange, "/organization");
        Assert.Equal(401, status);
        Assert.Contains("Invalid audience", (string?)body!["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Organization_answers_an_app_with_Organization_Read_All_with_the_tenant_and_its_verified_domains()
    {
        await using var s = await TestTenant.StartAsync();
        var (status, body) = await GetAsync(s, await TestTenant.AppTokenAsync(s), "/organization?$select=id,displayName,verifiedDomains");
        Assert.Equal(200, status);
        var org = Assert.Single(body!["value"]!.AsArray())!;
        Assert.Equal(TestTenant.TenantId, (string?)org["id"]);
        Assert.Equal("Contoso", (string?)org["displayName"]);
        var names = org["verifiedDomains"]!.AsArray().Select(d => (string?)d!["name"]).ToList();
        Assert.Contains("contoso.com", names);
        Assert.Contains("contoso.onmicrosoft.com", names);
        Assert.Equal(200, (await GetAsync(s, await TestTenant.AppTokenAsync(s), "/organization/" + TestTenant.TenantId)).Status);
        Assert.Equal(404, (await GetAsync(s, await TestTenant.AppTokenAsync(s), "/organization/" + Guid.NewGuid())).Status);
    }

    [Fact]
    public async Task Organization_is_forbidden_to_an_app_without_an_organization_read_permission()
    {
        var doc = ScenarioLoader.ReadFile(TestTenant.ScenarioPath);
        doc.Apps.Single(a => a.ClientId == TestTenant.ReaderClientId).GraphPermissions.Remove("Organization.Read.All");
        await using var s = await TestTenant.StartAsync(o => { o.Scenario = doc; o.ScenarioPath = TestTenant.ScenarioPath; });
        var (status, body) = await GetAsync(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret), "/organization");
        Assert.Equal(403, status);
        Assert.Equal("Authorization_RequestDenied", (string?)body!["error"]!["code"]);
    }

    [Fact]
    public async Task Me_and_my_memberships_are_a_bad_request_for_an_app_token()
    {
        await using var s = await TestTenant.StartAsync();
        var app = await TestTenant.AppTokenAsync(s);
        var (status, body) = await GetAsync(s, app, "/me");
        Assert.Equal(400, status);
        Assert.Equal("/me request is only valid with delegated authentication flow.", (string?)body!["error"]!["message"]);
        Assert.Equal(400, (await GetAsync(s, app, "/me/transitiveMemberOf")).Status);
    }

    [Fact]
    public async Task A_delegated_token_carries_User_Read_and_reads_me_the_organization_basics_and_its_directory_roles()
    {
        await using var s = await TestTenant.StartAsync(o => o.DeviceCodeApprovalDelay = TimeSpan.Zero);
        var token = await UserTokenAsync(s);
        Assert.Contains("User.Read", ((string?)TestTenant.Claims(token)["scp"])!.Split(' '));

        var (status, me) = await GetAsync(s, token, "/me?$select=id,userPrincipalName");
        Assert.Equal(200, status);
        Assert.Equal("megan@contoso.com", (string?)me!["userPrincipalName"]);

        // User.Read sees the organization's id, name and verified domains only (the other properties are null).
        var (_, orgs) = await GetAsync(s, token, "/organization");
        var org = orgs!["value"]![0]!;
        Assert.Equal(TestTenant.TenantId, (string?)org["id"]);
        Assert.NotEmpty(org["verifiedDomains"]!.AsArray());
        Assert.Null(org["tenantType"]);

        // The roles come back with their template id; without RoleManagement.Read.Directory the names are null.
        var (memberStatus, members) = await GetAsync(s, token, "/me/transitiveMemberOf");
        Assert.Equal(200, memberStatus);
        var role = Assert.Single(members!["value"]!.AsArray())!;
        Assert.Equal("#microsoft.graph.directoryRole", (string?)role["@odata.type"]);
        Assert.Equal(DirectoryRoles.SecurityAdministrator, (string?)role["roleTemplateId"]);
        Assert.NotEqual(DirectoryRoles.SecurityAdministrator, (string?)role["id"]);
        Assert.Null(role["displayName"]);
    }

    [Fact]
    public async Task My_memberships_follow_the_directory_not_the_roles_in_the_token()
    {
        await using var s = await TestTenant.StartAsync(o => o.DeviceCodeApprovalDelay = TimeSpan.Zero);
        var token = await UserTokenAsync(s);
        var megan = s.State.FindUser("megan@contoso.com")!;
        megan.DirectoryRoleIds.Clear();
        megan.DirectoryRoleIds.Add(DirectoryRoles.SecurityReader);

        var (_, members) = await GetAsync(s, token, "/me/transitiveMemberOf");
        Assert.Equal([DirectoryRoles.SecurityReader], members!["value"]!.AsArray().Select(r => (string?)r!["roleTemplateId"]));
        Assert.Equal([DirectoryRoles.SecurityAdministrator], TestTenant.Claims(token)["wids"]!.AsArray().Select(r => (string?)r));
    }
}
