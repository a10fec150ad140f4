using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Graph;

/// <summary>
/// Issue 17: message trace names the receiving mailboxes by address, and each address must become the user's object id
/// before Graph takes it as a key. Resolved 15 to a request (<c>mail in (…)</c>, Graph's limit for <c>in</c>) instead of
/// one request per mailbox.
/// </summary>
public sealed class UserKeyPrefetchTests
{
    [Fact]
    public async Task Forty_addresses_cost_three_directory_queries_and_need_none_afterwards()
    {
        await using var s = await SimulatedTenant.StartAsync(o => o.Generate = new GeneratorSpec { Mailboxes = 40, MessagesPerMailbox = 1, ClusterSize = 1 });
        using var session = await SimulatedTenant.ConnectAsync(s);
        var keys = new UserKeys(session.Graph);
        var addresses = Enumerable.Range(0, 40).Select(i => $"gen{i:00000}@contoso.com").ToList();
        s.ResetStats();

        await keys.PrefetchAsync([.. addresses, .. addresses.Take(5).Select(a => a.ToUpperInvariant())], SimulatedTenant.Caller(session), default);
        Assert.Equal(3, Interlocked.Read(ref s.Stats.UserQueries));

        foreach (var a in addresses)
            Assert.Equal(s.State.FindUser(a)!.Id, await keys.KeyOfAsync(a, default));
        Assert.Equal(3, Interlocked.Read(ref s.Stats.UserQueries));
    }

    [Fact]
    public async Task An_address_that_is_nobodys_mail_is_left_to_the_single_lookup_which_names_it()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var keys = new UserKeys(session.Graph);

        await keys.PrefetchAsync(["adele@contoso.com", "nobody@contoso.com"], SimulatedTenant.Caller(session), default);
        Assert.Equal(s.State.FindUser("adele@contoso.com")!.Id, await keys.KeyOfAsync("adele@contoso.com", default));
        var e = await Assert.ThrowsAsync<ServiceCallException>(() => keys.KeyOfAsync("nobody@contoso.com", default));
        Assert.Equal(FailureKind.NotFound, e.Kind);
        Assert.Contains("nobody@contoso.com", e.Message, StringComparison.Ordinal);
    }
}
