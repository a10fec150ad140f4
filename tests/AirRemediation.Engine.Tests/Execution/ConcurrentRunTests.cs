using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>Start-or-resume: two sessions starting the same request at once do not both do it (issue 10, item 6).</summary>
[Trait("Category", "Fault")]
public sealed class ConcurrentRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_runs_of_the_same_soft_delete_at_once_move_each_message_once()
    {
        await using var t = await FaultTenant.StartAsync(20, 2, 80, configure: o => o.LatencyMs = 20);
        var a = await t.ConnectAsync();
        var b = await t.ConnectAsync();
        // Both sessions open the shared store before they race: what races here is the two runs, not the first creation
        // of the store file (two processes creating a new store at once is the store's own concern).
        await a.GetStoreAsync(default);
        await b.GetStoreAsync(default);
        t.Sim.ResetStats();

        using var go = new ManualResetEventSlim();
        async Task<object> Attempt(AirSession s)
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
