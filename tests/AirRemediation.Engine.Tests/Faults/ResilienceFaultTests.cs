using Xunit;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;
using AirRemediation.Simulator.Scenario;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Faults;

/// <summary>Issue 10, items 4, 6, 10 and 12 end to end against the in-process simulator.</summary>
[Trait("Category", "Fault")]
public sealed class ResilienceFaultTests(ITestOutputHelper output)
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
        output.WriteLine($"{t.ClusterSize} targets in {run.Elapsed.TotalSeconds:0.00} s: {run.Summary.Requests} requests, {s.ServerErrors} 5xx, {s.DroppedConnections} dropped, {s.GatewayTimeouts} applied-but-504; succeeded {run.Summary.Succeeded}, already {run.Summary.Already}, failed {run.Summary.Failed}");
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
    public async Task Tokens_expiring_every_2_seconds_during_a_long_run_never_fail_an_item()
    {
        // 2 s tokens instead of Entra's 60-minute ones (and the issue's 60 s), with a run of several lifetimes. A 401 that
        // still happens (a token expiring between renewal check and arrival) is renewed and re-sent; none may fail an item.
        const int lifetime = 2;
        var mailboxes = FaultTenant.Long ? 600 : 170;
        await using var t = await FaultTenant.StartAsync(mailboxes, 1, mailboxes * 2, configure: o => { o.LatencyMs = 40; o.TokenLifetimeSeconds = lifetime; });
        var session = await t.ConnectAsync(retry: FaultTenant.QuickRetries with { MailboxParallelism = 2 });
        var tokensBefore = t.Sim.Secrets.ToJson()["all"]!.AsArray().Count;
        t.Sim.ResetStats();

        // Two mailboxes at a time so the run lasts several token lifetimes.
        var run = await FaultTenant.RunAsync(session, FaultTenant.Cluster());

        var issued = t.Sim.Secrets.ToJson()["all"]!.AsArray().Count - tokensBefore;
        output.WriteLine($"{run.Elapsed.TotalSeconds:0.0} s with {lifetime} s tokens: {issued} new tokens, {t.Sim.Stats.Unauthorized} requests answered 401, {run.Summary.Requests} requests");
        // The run must outlive several tokens: at least three lifetimes, and at least three renewals mid-run.
        Assert.True(run.Elapsed > TimeSpan.FromSeconds(3 * lifetime), $"the run must outlive several tokens (took {run.Elapsed})");
        Assert.True(issued >= 3, $"tokens must really have been renewed during the run ({issued} issued)");
        Assert.DoesNotContain(run.Items, i => i.Result.ErrorKind == AirErrorKind.AuthenticationFailed);
        t.AssertExactlyOnce(run.Summary);
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

    [Fact]
    public async Task Two_runs_of_the_same_soft_delete_at_once_move_each_message_once()
    {
        await using var t = await FaultTenant.StartAsync(20, 2, 80, configure: o => o.LatencyMs = 20);
        var a = await t.ConnectAsync();
        var b = await t.ConnectAsync();
        t.Sim.ResetStats();

        using var go = new ManualResetEventSlim();
        async Task<object> Attempt(Engine.Auth.AirSession s)
        {
            await Task.Yield();
            go.Wait();
            try { return await FaultTenant.RunAsync(s, FaultTenant.Cluster()); }
            catch (AirException e) { return e; }
        }
        var ta = Task.Run(() => Attempt(a));
        var tb = Task.Run(() => Attempt(b));
        go.Set();
        var results = await Task.WhenAll(ta, tb);

        foreach (var r in results)
            output.WriteLine(r is FaultTenant.Run run ? $"ran: {run.Summary.State} {run.Summary.Succeeded} succeeded, {run.Summary.Already} already" : $"refused: {((AirException)r).Kind}: {((AirException)r).Message}");
        var runs = results.OfType<FaultTenant.Run>().ToList();
        var refusals = results.OfType<AirException>().ToList();
        output.WriteLine($"times moved: {string.Join(", ", t.ClusterCopies().GroupBy(c => c.TimesMoved).OrderBy(g => g.Key).Select(g => $"{g.Key}x: {g.Count()}"))}");
        Assert.All(t.ClusterCopies(), c => Assert.Equal(1, c.TimesMoved));
        Assert.All(refusals, e => Assert.Equal(AirErrorKind.Conflict, e.Kind));
        Assert.NotEmpty(runs);
        // Whichever way the second run is turned away (refused, or finding the work done), the moves are reported once.
        Assert.Equal(80, runs.Sum(r => r.Summary.Succeeded));
        Assert.Equal(0, t.BystanderMoves());
        Assert.Equal(80, t.ClusterCopies().Count);

        // And a third run afterwards changes nothing.
        var again = await FaultTenant.RunAsync(a, FaultTenant.Cluster());
        Assert.Equal(0, again.Summary.Succeeded);
        Assert.Equal(80, again.Summary.Already);
        Assert.All(t.ClusterCopies(), c => Assert.Equal(1, c.TimesMoved));
    }
}
