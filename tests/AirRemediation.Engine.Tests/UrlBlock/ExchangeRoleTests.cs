using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.UnblockUrl;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.UrlBlock;

/// <summary>
/// App-only Exchange: Microsoft's app-only roles for Exchange PowerShell exclude Security Operator, and "the Security
/// Administrator role does not have the necessary permissions" for protection tasks (office-docs-powershell
/// app-only-auth-powershell-v2.md, step 5); only Exchange Administrator and Global Administrator cover them. So an app
/// with Security Administrator cannot write the Tenant Allow/Block List, and the module says so before it changes anything.
/// </summary>
public sealed class ExchangeRoleTests
{
    private const string SecAdminAppId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    private const string SecAdminSecret = "sim-secret-SecAdmin-7Hq2~xPz9";
    private const string V2AppId = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e";
    private const string V2Secret = "sim-secret-V2-3Kd8~qWe5";

    /// <summary>The default tenant plus an app with Exchange.ManageAsApp and Security Administrator only, and one with only the v2.0 preview permission.</summary>
    private static Task<SimulatorServer> StartAsync()
    {
        var doc = ScenarioLoader.ReadFile(SimulatedTenant.ScenarioPath);
        var automation = doc.Apps.Single(a => a.ClientId == SimulatedTenant.AutomationClientId);
        doc.Apps.Add(new AppSpec
        {
            ClientId = SecAdminAppId, DisplayName = "SecAdmin Runbook", Secrets = [SecAdminSecret],
            GraphPermissions = [.. automation.GraphPermissions], ExchangePermissions = ["Exchange.ManageAsApp"], DirectoryRoles = ["Security Administrator"],
        });
        doc.Apps.Add(new AppSpec
        {
            ClientId = V2AppId, DisplayName = "V2 Preview App", Secrets = [V2Secret],
            GraphPermissions = [.. automation.GraphPermissions], ExchangePermissions = ["Exchange.ManageAsAppV2"], DirectoryRoles = ["Exchange Administrator"],
        });
        return SimulatedTenant.StartAsync(o => o.Scenario = doc);
    }

    private static Dictionary<string, object?> P(params (string Name, object? Value)[] ps) => ps.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public async Task The_simulator_refuses_Tenant_Allow_Block_List_writes_by_an_app_with_only_Security_Administrator()
    {
        await using var s = await StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s, SecAdminAppId, SecAdminSecret);
        var client = new ExchangeAdminClient(session, SimulatedTenant.Caller(session));
        var e = await Assert.ThrowsAsync<ServiceCallException>(() => client.InvokeAsync("New-TenantAllowBlockListItems",
            P(("ListType", "Url"), ("Block", true), ("Entries", new[] { "secadmin.example" })), null, default));
        Assert.Equal(FailureKind.Forbidden, e.Kind);
        lock (s.State.TablGate) Assert.DoesNotContain(s.State.TablEntries, t => t.Value == "secadmin.example");
        // Reading the list is within the role.
        var list = await client.InvokeAsync("Get-TenantAllowBlockListItems", P(("ListType", "Url"), ("Block", true)), null, default);
        Assert.NotEmpty(list.Values);
    }

    [Fact]
    public async Task Block_and_unblock_by_an_app_with_Security_Administrator_but_not_Exchange_Administrator_fail_before_any_change()
    {
        await using var s = await StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s, SecAdminAppId, SecAdminSecret);
        var before = Interlocked.Read(ref s.Stats.TotalRequests);

        var e = await Assert.ThrowsAsync<AirException>(() =>
            Remediation.RunAsync(session, Remediation.Normalize(session, new UrlBlockRequest { Urls = ["secadmin.example"] }), null, RunSink.None, default));
        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        Assert.Contains("needs Exchange Administrator", e.Message, StringComparison.Ordinal);
        Assert.Contains("Security Administrator", e.Message, StringComparison.Ordinal);
        var u = await Assert.ThrowsAsync<AirException>(() =>
            Remediation.RunAsync(session, Remediation.Normalize(session, new UrlUnblockRequest { Urls = ["old-bad.example"] }), null, RunSink.None, default));
        Assert.Contains("needs Exchange Administrator", u.Message, StringComparison.Ordinal);

        // Nothing was sent to Exchange, no action was recorded, and the list is as it was.
        Assert.Equal(before, Interlocked.Read(ref s.Stats.TotalRequests));
        var store = await session.GetStoreAsync(default);
        await foreach (var a in store.QueryActionsAsync(new Engine.Store.ActionQuery())) Assert.Fail($"an action was recorded: {a.Id} {a.Kind}");
        lock (s.State.TablGate)
        {
            Assert.DoesNotContain(s.State.TablEntries, t => t.Value == "secadmin.example");
            Assert.Contains(s.State.TablEntries, t => t.Value == "old-bad.example");
        }
    }

    [Fact]
    public async Task Test_AirPermission_says_the_app_needs_Exchange_Administrator_to_block_URLs()
    {
        await using var s = await StartAsync();
        using var secAdmin = await SimulatedTenant.ConnectAsync(s, SecAdminAppId, SecAdminSecret);
        var block = PermissionChecker.Check(secAdmin, null).Single(c => c.Capability.StartsWith("Block URLs", StringComparison.Ordinal));
        Assert.False(block.Allowed);
        Assert.Contains("needs Exchange Administrator", block.Detail, StringComparison.Ordinal);
        Assert.Contains(block.Missing, m => m.Contains("Exchange Administrator", StringComparison.Ordinal));

        using var automation = await SimulatedTenant.ConnectAsync(s);
        Assert.True(PermissionChecker.Check(automation, null).Single(c => c.Capability.StartsWith("Block URLs", StringComparison.Ordinal)).Allowed);
    }

    [Fact]
    public async Task Test_AirPermission_recognises_the_v2_preview_permission_and_says_it_does_not_reach_these_cmdlets()
    {
        await using var s = await StartAsync();
        using var v2 = await SimulatedTenant.ConnectAsync(s, V2AppId, V2Secret);
        var checks = PermissionChecker.Check(v2, null);
        foreach (var capability in new[] { "Block URLs", "Clear mailbox SMTP forwarding" })
        {
            var c = checks.Single(x => x.Capability.StartsWith(capability, StringComparison.Ordinal));
            Assert.False(c.Allowed);
            Assert.Contains("Exchange.ManageAsAppV2", c.Detail, StringComparison.Ordinal);
            Assert.Contains("Exchange.ManageAsApp ", c.Detail + " ", StringComparison.Ordinal);
        }
        // And the simulator agrees: the v2.0 permission does not open InvokeCommand.
        var client = new ExchangeAdminClient(v2, SimulatedTenant.Caller(v2));
        await Assert.ThrowsAsync<ServiceCallException>(() => client.InvokeAsync("Get-AcceptedDomain", P(), null, default));
    }
}
