using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using DirectoryRoles = AirRemediation.Engine.Auth.DirectoryRoles;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>
/// Connect proves its token with Microsoft Graph (here the in-process simulator, which validates every token as Graph
/// does): forged, altered, foreign, misdirected and expired tokens never become a session, and the session's identity
/// is what Graph answered, not what the token says.
/// </summary>
public sealed class IdentityVerificationTests
{
    private const string GhostOid = "0badc0de-0000-4000-8000-00000000dead";

    /// <summary>The attack of issue 14: an unsigned token naming a user who does not exist, with Security Administrator in wids.</summary>
    private static string UnsignedSecurityAdminToken(string tenantId) => TrustTenant.Jwt("{\"alg\":\"none\",\"typ\":\"JWT\"}", new JsonObject
    {
        ["aud"] = "https://graph.microsoft.com",
        ["iss"] = $"https://sts.windows.net/{tenantId}/",
        ["tid"] = tenantId,
        ["oid"] = GhostOid,
        ["upn"] = "ghost.admin@contoso.com",
        ["name"] = "Ghost Admin",
        ["idtyp"] = "user",
        ["appid"] = TrustTenant.InteractiveClientId,
        ["scp"] = "User.Read Mail.ReadWrite SecurityAlert.ReadWrite.All",
        ["wids"] = new JsonArray(DirectoryRoles.SecurityAdministrator),
        ["nbf"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
    }, "");

    [Fact]
    public async Task An_unsigned_token_naming_a_nonexistent_Security_Administrator_is_refused_at_connect()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var forged = UnsignedSecurityAdminToken(sim.TenantId);
        var store = TrustTenant.NewStorePath();
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(sim, forged, storePath: store));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains("did not accept the access token", e.Message, StringComparison.Ordinal);
        Assert.Contains("alg 'none'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(forged, e.ToString(), StringComparison.Ordinal);
        Assert.Equal(401, e.HttpStatus);
        Assert.True(sim.Stats.Unauthorized >= 1, "Graph (the simulator) must have been asked, and must have refused");
        Assert.False(File.Exists(store), "a refused sign-in must not create or bind a store");
    }

    [Fact]
    public async Task A_real_token_whose_claims_were_changed_is_refused_because_its_signature_no_longer_holds()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var real = await TrustTenant.AppTokenAsync(sim);
        var claims = TrustTenant.Claims(real);
        claims["app_displayname"] = "Microsoft Defender AIR";
        claims["wids"] = new JsonArray(DirectoryRoles.GlobalAdministrator);
        var altered = TrustTenant.Jwt("{\"typ\":\"JWT\",\"alg\":\"HS256\",\"kid\":\"airsim\"}", claims, real.Split('.')[2]);

        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(sim, altered));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains("Invalid signature", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(altered, e.ToString(), StringComparison.Ordinal);

        // The untouched token connects: the refusal is about the change, not about -AccessToken.
        using var ok = await TrustTenant.ConnectTokenAsync(sim, real);
        Assert.Equal("AirRemediation Automation", ok.Identity);
    }

    [Fact]
    public async Task A_token_signed_by_another_tenant_is_refused_by_this_tenants_Graph()
    {
        await using var contoso = await TrustTenant.ContosoAsync();
        await using var fabrikam = await TrustTenant.FabrikamAsync();
        var foreign = await TrustTenant.AppTokenAsync(fabrikam, clientId: TrustTenant.MinimalClientId, secret: TrustTenant.MinimalSecret);
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(contoso, foreign));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains("did not accept", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Exchange_token_passed_as_the_Graph_token_is_refused_for_its_audience()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var exchange = await TrustTenant.AppTokenAsync(sim, TrustTenant.ExchangeScope);
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(sim, exchange));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains("Invalid audience", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_Graph_holds_expired_is_refused_even_when_the_local_clock_thinks_it_is_valid()
    {
        var simClock = new Store.ManualClock(DateTimeOffset.UtcNow);
        await using var sim = await TrustTenant.ContosoAsync(o => { o.Clock = simClock; o.TokenLifetimeSeconds = 600; });
        var token = await TrustTenant.AppTokenAsync(sim);
        simClock.Advance(TimeSpan.FromMinutes(11));
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(sim, token));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_application_session_is_the_service_principal_and_tenant_Graph_confirmed()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        using var s = await TrustTenant.ConnectAppAsync(sim);
        var app = sim.State.Apps[TrustTenant.AutomationClientId];
        var p = s.Principal;
        Assert.Equal(ActorKind.App, p.Kind);
        Assert.Equal(app.ObjectId, p.ObjectId);
        Assert.Equal(sim.TenantId, p.TenantId);
        Assert.Equal(TrustTenant.AutomationClientId, p.AppId);
        Assert.Equal("AirRemediation Automation", p.DisplayName);
        Assert.Equal("Graph", p.Source);
        Assert.False(p.DirectoryRolesKnown);
        Assert.Empty(p.DirectoryRoleIds);
        // The token's wids are still there to show, but they are not the verified roles.
        Assert.Contains(DirectoryRoles.SecurityAdministrator, s.GraphClaims.DirectoryRoleIds);
        Assert.False(s.IsUser);
        Assert.Equal(p.TenantId, s.TenantId);
        Assert.Equal(p.DisplayName, s.Identity);
    }

    [Fact]
    public async Task A_user_session_is_the_user_Graph_returned_with_the_roles_Graph_lists()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        using var s = await TrustTenant.ConnectUserAsync(sim);
        var p = s.Principal;
        Assert.Equal(ActorKind.User, p.Kind);
        Assert.Equal("22222222-2222-4222-8222-222222222222", p.ObjectId);
        Assert.Equal("megan@contoso.com", p.DisplayName);
        Assert.Equal(sim.TenantId, p.TenantId);
        Assert.Null(p.AppId);
        Assert.True(p.DirectoryRolesKnown);
        Assert.Equal([DirectoryRoles.SecurityAdministrator], p.DirectoryRoleIds);
        Assert.True(p.HasApproverRole);
        Assert.True(s.IsUser);
    }

    [Fact]
    public async Task Directory_roles_come_from_Graph_so_a_role_removed_after_the_token_was_issued_is_gone()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        string token;
        using (var first = await TrustTenant.ConnectUserAsync(sim))
            token = await first.GetTokenAsync(ServiceKind.Graph, default);
        var megan = sim.State.FindUser("megan@contoso.com")!;
        megan.DirectoryRoleIds.Clear();
        megan.DirectoryRoleIds.Add(DirectoryRoles.SecurityReader);

        using var s = await TrustTenant.ConnectTokenAsync(sim, token);
        Assert.Contains(DirectoryRoles.SecurityAdministrator, s.GraphClaims.DirectoryRoleIds);
        Assert.Equal([DirectoryRoles.SecurityReader], s.Principal.DirectoryRoleIds);
        Assert.False(s.Principal.HasApproverRole);
    }

    [Fact]
    public async Task A_TenantId_that_is_not_the_tokens_tenant_refuses_the_connection_and_a_verified_domain_of_it_is_accepted()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var token = await TrustTenant.AppTokenAsync(sim);
        var other = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(sim, token, tenantId: other));
        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        Assert.Contains(other, e.Message, StringComparison.Ordinal);
        Assert.Contains(sim.TenantId, e.Message, StringComparison.Ordinal);

        var domainError = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(sim, token, tenantId: "fabrikam.example"));
        Assert.Equal(AirErrorKind.AccessDenied, domainError.Kind);

        using var byDomain = await TrustTenant.ConnectTokenAsync(sim, token, tenantId: "contoso.com");
        using var byId = await TrustTenant.ConnectTokenAsync(sim, token, tenantId: sim.TenantId.ToUpperInvariant());
        Assert.Equal(sim.TenantId, byDomain.TenantId);
    }

    [Fact]
    public async Task An_application_without_Organization_Read_All_is_told_which_permission_verification_needs()
    {
        await using var sim = await TrustTenant.ContosoWithAsync(doc =>
            doc.Apps.Single(a => a.ClientId == TrustTenant.ReaderClientId).GraphPermissions.Remove("Organization.Read.All"));
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectAppAsync(sim, clientId: TrustTenant.ReaderClientId, secret: TrustTenant.ReaderSecret));
        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        Assert.Contains("Organization.Read.All", e.Message, StringComparison.Ordinal);
        Assert.Contains("/organization", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Exchange_token_of_another_tenant_than_the_verified_Graph_token_refuses_the_connection()
    {
        await using var contoso = await TrustTenant.ContosoAsync();
        await using var fabrikam = await TrustTenant.FabrikamAsync();
        var graph = await TrustTenant.AppTokenAsync(contoso);
        var foreignExchange = await TrustTenant.AppTokenAsync(fabrikam, TrustTenant.ExchangeScope, TrustTenant.MinimalClientId, TrustTenant.MinimalSecret);
        var e = await Assert.ThrowsAsync<AirException>(() => TrustTenant.ConnectTokenAsync(contoso, graph, foreignExchange));
        Assert.Equal(AirErrorKind.AuthenticationFailed, e.Kind);
        Assert.Contains(fabrikam.TenantId, e.Message, StringComparison.Ordinal);
        Assert.Contains(contoso.TenantId, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(foreignExchange, e.ToString(), StringComparison.Ordinal);

        using var ok = await TrustTenant.ConnectTokenAsync(contoso, graph, await TrustTenant.AppTokenAsync(contoso, TrustTenant.ExchangeScope));
        Assert.NotNull(ok.ExchangeClaims);
    }

    [Fact]
    public async Task An_access_token_without_an_Exchange_token_connects_to_Graph_only()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        using var s = await TrustTenant.ConnectTokenAsync(sim, await TrustTenant.AppTokenAsync(sim));
        Assert.Equal(sim.TenantId, s.TenantId);
        Assert.Equal("AirRemediation Automation", s.Identity);
        Assert.Null(s.ExchangeClaims);
        Assert.Contains("-ExchangeAccessToken", s.ExchangeUnavailableReason, StringComparison.Ordinal);
    }
}
