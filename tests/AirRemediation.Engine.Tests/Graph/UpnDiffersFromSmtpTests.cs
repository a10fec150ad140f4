using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Graph;

/// <summary>
/// Issue 16 item 3: a tenant in which no user's UPN is their SMTP address (adele@contoso.com signs in as
/// adele@contoso.onmicrosoft.com). Graph takes only ids and UPNs in /users/{key}, as the simulator now does, so every
/// path that starts from an address — soft delete by address, a cluster across all mailboxes, forwarding, sync from
/// Defender's evidence — must resolve it first; the simulator counts every request that used an address as a key.
/// </summary>
public sealed class UpnDiffersFromSmtpTests
{
    private static string Upn(string address) => address.Split('@')[0] + "@contoso.onmicrosoft.com";

    private static Task<ApprovalTenant> StartAsync() => ApprovalTenant.StartAsync(doc =>
    {
        foreach (var u in doc.Users)
        {
            u.Mail ??= u.UserPrincipalName;
            u.UserPrincipalName = Upn(u.Mail);
        }
        foreach (var m in doc.Mailboxes) m.FullAccess = [.. m.FullAccess.Select(Upn)];
        if (doc.DeviceCodeUser is { } d) doc.DeviceCodeUser = Upn(d);
    });

    private static long AddressKeys(ApprovalTenant t) => Interlocked.Read(ref t.Sim.Stats.AddressUsedAsUserKey);

    [Fact]
    public async Task The_simulator_refuses_an_address_as_a_user_key_as_Graph_does()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var byAddress = new MailApiProbe(app);

        var e = await Assert.ThrowsAsync<Microsoft.Graph.Models.ODataErrors.ODataError>(() => byAddress.RawMessagesAsync("adele@contoso.com"));
        Assert.Equal(404, e.ResponseStatusCode);
        Assert.Equal("ErrorInvalidUser", e.Error?.Code);
        Assert.Equal(1, AddressKeys(t));
        await byAddress.RawMessagesAsync(Upn("adele@contoso.com"));
    }

    [Fact]
    public async Task Soft_delete_by_address_and_a_cluster_across_all_mailboxes_work_without_an_address_as_a_key()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var one = await Remediation.RunAsync(app, Remediation.Normalize(app, new SoftDeleteRequest
        {
            Messages = [new MessageTarget("adele@contoso.com", "<phish-0001@fabrikam-payments.example>")],
        }), null, RunSink.None, default);
        Assert.Equal(ActionState.Completed, one.State);
        Assert.Equal(1, one.Succeeded);

        var cluster = await Remediation.RunAsync(app, Remediation.Normalize(app, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Subject = "Lunch on Friday?" },
            AllMailboxes = true,
        }), null, RunSink.None, default);
        Assert.Equal(ActionState.Completed, cluster.State);
        var matching = t.Sim.State.Mailboxes.Sum(m => m.Messages.Count(x => x.Subject == "Lunch on Friday?"));
        Assert.True(matching >= 1);
        Assert.Equal(matching, cluster.Succeeded);
        Assert.Equal(0, cluster.Failed);
        Assert.Equal(0, AddressKeys(t));
    }

    [Fact]
    public async Task Forwarding_by_address_works_without_an_address_as_a_key()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Remediation.Normalize(app, new ForwardingRequest { Mailboxes = ["lynne@contoso.com"] }), null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, run.State);
        Assert.True(run.Succeeded >= 1, $"{run.Succeeded} changes");
        Assert.Equal(0, run.Failed);
        Assert.Equal(0, AddressKeys(t));
    }

    [Fact]
    public async Task Proposals_synced_from_evidence_addresses_run_when_approved()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var sync = await ProposalService.SyncAsync(app, null, default);
        Assert.True(sync.Created > 0);
        var alex = await t.UserAsync(Upn(ApprovalTenant.Alex));
        var store = await alex.GetStoreAsync(default);
        var softDelete = await store.QueryActionsAsync(new AirRemediation.Engine.Store.ActionQuery { Kind = ActionKind.SoftDeleteEmail, States = [ActionState.Pending] }).FirstAsync();

        var candidate = await DecisionService.EnsureApprovableAsync(alex, softDelete.Id, default);
        var done = await DecisionService.ApproveAsync(alex, candidate, null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, done.State);
        Assert.True(done.Succeeded >= 1);
        Assert.Equal(0, done.Failed);
        Assert.Equal(0, AddressKeys(t));
    }

    /// <summary>A raw Graph request with a key as given, to show what the simulator answers.</summary>
    private sealed class MailApiProbe(AirRemediation.Engine.Auth.AirSession session)
    {
        public Task RawMessagesAsync(string key) => session.Graph.Users[key].Messages.GetAsync(r => r.QueryParameters.Top = 1);
    }
}
