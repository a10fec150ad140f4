using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Tests;

public sealed class GeneratorTests
{
    [Fact]
    public async Task Ten_thousand_mailboxes_of_ten_messages_start_small()
    {
        GC.Collect();
        var before = GC.GetTotalMemory(true);
        await using var s = await TestTenant.StartAsync(o => { o.Generate = new Scenario.GeneratorSpec { Mailboxes = 10_000, MessagesPerMailbox = 10, ClusterSize = 500 }; o.Seed = 42; });
        var after = GC.GetTotalMemory(true);
        Assert.True(after - before < 250L * 1024 * 1024, $"used {(after - before) / 1024 / 1024} MB");
        Assert.Equal(10_000 + 5, s.State.Mailboxes.Count);

        var cluster = s.State.Mailboxes.SelectMany(m => m.Messages).Where(m => m.InternetMessageId == TenantGenerator.ClusterInternetMessageId(42)).ToList();
        Assert.Equal(500, cluster.Count);
        Assert.Single(cluster.Select(m => m.NetworkMessageId).Distinct());
        Assert.All(cluster, m => Assert.Equal(TenantGenerator.ClusterSender, m.FromAddress));

        // Same seed, same tenant.
        await using var again = await TestTenant.StartAsync(o => { o.Generate = new Scenario.GeneratorSpec { Mailboxes = 50, MessagesPerMailbox = 3, ClusterSize = 7 }; o.Seed = 42; });
        await using var again2 = await TestTenant.StartAsync(o => { o.Generate = new Scenario.GeneratorSpec { Mailboxes = 50, MessagesPerMailbox = 3, ClusterSize = 7 }; o.Seed = 42; });
        Assert.Equal(again.State.Users.Select(u => u.Id), again2.State.Users.Select(u => u.Id));

        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var upn = s.State.Mailboxes.First(m => m.Messages.Any(x => x.InternetMessageId == TenantGenerator.ClusterInternetMessageId(42))).Owner.UserPrincipalName;
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/users/{upn}/messages?$filter=" + Uri.EscapeDataString($"internetMessageId eq '{TenantGenerator.ClusterInternetMessageId(42)}'"));
        Assert.Equal(200, status);
        Assert.Single(body!["value"]!.AsArray());
    }
}
