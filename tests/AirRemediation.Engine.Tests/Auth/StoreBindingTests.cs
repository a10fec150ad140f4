using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Store;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>A store belongs to the tenant of its first verified sign-in; another tenant's valid token cannot connect to it.</summary>
public sealed class StoreBindingTests
{
    private static async Task<IReadOnlyDictionary<string, string>> SettingsAsync(string path)
    {
        await using var store = await SqliteActionStore.OpenAsync(path);
        return await store.GetSettingsAsync();
    }

    [Fact]
    public async Task The_first_verified_sign_in_binds_the_store_to_its_tenant_and_audits_it()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var path = TrustTenant.NewStorePath();
        using (var s = await TrustTenant.ConnectAppAsync(sim, path))
        {
            Assert.False(File.Exists(path), "connect must not create a store that does not exist yet");
            var store = await s.GetStoreAsync(default);
            Assert.Equal(sim.TenantId, await store.GetSettingAsync(StoreBinding.TenantIdKey));
            Assert.Equal(StoreBinding.LoopbackGraph, await store.GetSettingAsync(StoreBinding.VerifierKey));
            var audit = new List<AuditRecord>();
            await foreach (var a in store.GetAuditAsync()) audit.Add(a);
            var bound = Assert.Single(audit, a => a.Event == "StoreBound" && a.Reason is not null && a.Reason.StartsWith(StoreBinding.TenantIdKey + ":", StringComparison.Ordinal));
            Assert.Equal("AirRemediation Automation", bound.Actor);
            Assert.Contains(s.Principal.ObjectId, bound.SignIn, StringComparison.Ordinal);
        }
        // A second sign-in of the same tenant (another identity) is welcome and changes nothing.
        using (var again = await TrustTenant.ConnectUserAsync(sim, path))
            Assert.Equal(sim.TenantId, await (await again.GetStoreAsync(default)).GetSettingAsync(StoreBinding.TenantIdKey));
        Assert.Equal(sim.TenantId, (await SettingsAsync(path))[StoreBinding.TenantIdKey]);
    }

    [Fact]
    public async Task A_valid_sign_in_of_another_tenant_is_refused_by_a_bound_store_at_connect()
    {
        await using var contoso = await TrustTenant.ContosoAsync();
        await using var fabrikam = await TrustTenant.FabrikamAsync();
        var path = TrustTenant.NewStorePath();
        using (var s = await TrustTenant.ConnectAppAsync(contoso, path))
            await s.GetStoreAsync(default);

        // Fabrikam's own Graph verifies Fabrikam's token: it is valid, and still not Contoso's.
        var e = await Assert.ThrowsAnyAsync<AirException>(() => TrustTenant.ConnectAppAsync(fabrikam, path, TrustTenant.MinimalClientId, TrustTenant.MinimalSecret));
        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        Assert.Contains(contoso.TenantId, e.Message, StringComparison.Ordinal);
        Assert.Contains(fabrikam.TenantId, e.Message, StringComparison.Ordinal);
        Assert.Contains("belongs to tenant", e.Message, StringComparison.Ordinal);

        var fabrikamToken = await TrustTenant.AppTokenAsync(fabrikam, clientId: TrustTenant.MinimalClientId, secret: TrustTenant.MinimalSecret);
        var byToken = await Assert.ThrowsAnyAsync<AirException>(() => TrustTenant.ConnectTokenAsync(fabrikam, fabrikamToken, storePath: path));
        Assert.Equal(AirErrorKind.AccessDenied, byToken.Kind);
        Assert.DoesNotContain(fabrikamToken, byToken.ToString(), StringComparison.Ordinal);

        Assert.Equal(contoso.TenantId, (await SettingsAsync(path))[StoreBinding.TenantIdKey]);
    }

    [Fact]
    public async Task A_store_bound_through_Microsoft_Graph_refuses_a_session_verified_only_by_a_loopback_Graph()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var path = TrustTenant.NewStorePath();
        await using (var store = await SqliteActionStore.OpenAsync(path))
        {
            var who = new AuditContext("admin@contoso.com", ActorKind.User, "test setup");
            await store.SetSettingAsync(StoreBinding.TenantIdKey, sim.TenantId, who);
            await store.SetSettingAsync(StoreBinding.VerifierKey, StoreBinding.MicrosoftGraph, who);
        }
        // Same tenant id, but checked by whatever listens on a local port: that could be a fake Graph.
        var e = await Assert.ThrowsAnyAsync<AirException>(() => TrustTenant.ConnectAppAsync(sim, path));
        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        Assert.Contains("loopback", e.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft Graph", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_refused_by_the_store_leaves_it_closed_so_a_later_open_refuses_again()
    {
        await using var contoso = await TrustTenant.ContosoAsync();
        await using var fabrikam = await TrustTenant.FabrikamAsync();
        var path = TrustTenant.NewStorePath();
        // Fabrikam connects first while the store does not exist yet; Contoso then creates and binds it.
        using var early = await TrustTenant.ConnectAppAsync(fabrikam, path, TrustTenant.MinimalClientId, TrustTenant.MinimalSecret);
        using (var s = await TrustTenant.ConnectAppAsync(contoso, path))
            await s.GetStoreAsync(default);
        // The early session opens the store only now, and is refused on first use.
        var e = await Assert.ThrowsAnyAsync<AirException>(() => early.GetStoreAsync(default));
        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        await Assert.ThrowsAnyAsync<AirException>(() => early.GetStoreAsync(default));
    }
}
