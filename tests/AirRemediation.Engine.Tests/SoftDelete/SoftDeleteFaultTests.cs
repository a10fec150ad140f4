using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.SoftDelete;

/// <summary>Issue 10, items 4, 10 and 12 for soft delete, end to end against the in-process simulator.</summary>
[Trait("Category", "Fault")]
public sealed class SoftDeleteFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Random_5xx_dropped_connections_and_applied_but_504_together_lose_nothing_and_move_nothing_twice()
    {
        var mailboxes = FaultTenant.Long ? 300 : 40;
        await using var t = await FaultTenant.StartAsync(mailboxes, 3, mailboxes * 5, seed: 17, configure: o => o.LatencyMs = 3);
        var session = await t.ConnectAsync();
        t.Sim.ResetStats();
        t.Sim.SetFaults(new FaultSettings { ServerErrorRate = 0.1, DropConnectionRate = 0.1, AppliedButGatewayTimeoutRate = 0.1 });

        var run = await FaultTenant.RunAsync(session, FaultTenant.Cluster());

        var s = t.Sim.Stats;
        output.WriteLine($"{t.ClusterSize} targets: {run.Summary.Requests} requests, {s.ServerErrors} 5xx, {s.DroppedConnections} dropped, {s.GatewayTimeouts} applied-but-504; succeeded {run.Summary.Succeeded}, already {run.Summary.Already}, failed {run.Summary.Failed}");
        Assert.True(s.ServerErrors > 0 && s.DroppedConnections > 0 && s.GatewayTimeouts > 0, "every fault kind must really have happened");
        t.AssertExactlyOnce(run.Summary);
        Assert.Equal(ActionState.Completed, run.Summary.State);
        // Each target reported exactly once; the default tenant's mailboxes without REST (admin, diego, nomail) are skipped.
        Assert.Equal(t.ClusterSize, run.Messages.Select(i => i.Result.MessageId).Distinct().Count());
        Assert.Equal(t.ClusterSize, run.Messages.Count);
        Assert.Equal(t.ClusterSize + 3, run.Summary.Total);
        Assert.Equal(3, run.Summary.Skipped);
    }

    [Fact]
    public async Task A_403_is_recorded_per_item_with_exactly_one_request_each_and_never_retried()
    {
        // The Reader app may search mail (Mail.Read) but not move it: every move is refused with 403.
        await using var t = await FaultTenant.StartAsync(5, 2, 10);
        var session = await t.ConnectAsync(FaultTenant.ReaderClientId, FaultTenant.ReaderSecret);
        t.Sim.ResetStats();

        var run = await FaultTenant.RunAsync(session, FaultTenant.Cluster(FaultTenant.Mailboxes(5)));

        output.WriteLine($"{run.Summary.Failed} failed, {t.Sim.Stats.Forbidden} 403s, {run.Summary.Requests} requests, {run.Summary.State}");
        Assert.Equal(10, run.Summary.Failed);
        Assert.Equal(ActionState.Failed, run.Summary.State);
        Assert.All(run.Items, i => Assert.Equal(AirErrorKind.AccessDenied, i.Result.ErrorKind));
        Assert.All(run.Items, i => Assert.Contains("403", i.Result.Reason, StringComparison.Ordinal));
        Assert.Equal(10, t.Sim.Stats.Forbidden);
        Assert.All(t.ClusterCopies(), c => Assert.Equal(0, c.TimesMoved));
        var store = await session.GetStoreAsync(default);
        var items = new List<ItemRecord>();
        await foreach (var i in store.GetItemsAsync(run.Summary.ActionId, new ItemQuery(), default)) items.Add(i);
        Assert.Equal(10, items.Count);
        Assert.All(items, i => Assert.Equal(ItemState.Failed, i.State));
        Assert.All(items, i => Assert.Equal(1, i.Attempts));
    }
}
