using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.UrlBlock;

/// <summary>Writes that Exchange applied but answered with 504: verified before resending, so nothing is done twice or misreported.</summary>
public sealed class UrlBlockFaultTests
{
    private static readonly RetryOptions Patient = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(2), MaxDelay = TimeSpan.FromMilliseconds(10), MaxTransientAttempts = 40,
    };

    [Fact]
    public async Task Applied_but_timed_out_adds_and_removes_are_confirmed_not_repeated()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s, retry: Patient);
        var urls = Enumerable.Range(1, 25).Select(i => $"fault{i}.example").ToList();
        s.SetFaults(new FaultSettings { AppliedButGatewayTimeoutRate = 0.5 });

        var results = new List<UrlBlockResult>();
        var sink = new RunSink(o => { lock (results) results.Add((UrlBlockResult)o); }, _ => { });
        var block = await Remediation.RunAsync(session, Remediation.Normalize(session, new UrlBlockRequest { Urls = urls }), null, sink, default);

        Assert.Equal(ActionState.Completed, block.State);
        Assert.Equal(25, block.Succeeded);
        Assert.All(results, r => Assert.Equal(UrlOutcome.Blocked, r.Outcome));
        lock (s.State.TablGate)
            foreach (var u in urls) Assert.Single(s.State.TablEntries, e => e.Value == u);

        results.Clear();
        var undo = await Remediation.UndoAsync(session, block.ActionId, sink, default);
        Assert.Equal(ActionState.Completed, undo.State);
        Assert.Equal(25, undo.Succeeded);
        Assert.All(results, r => Assert.Equal(ItemState.Done, r.State));
        lock (s.State.TablGate) Assert.DoesNotContain(s.State.TablEntries, e => e.Value.StartsWith("fault", StringComparison.Ordinal));

        // The faults really happened (and were absorbed): the simulator answered 504 after applying.
        using var c = new HttpClient(s.CreateHttpHandler());
        var stats = System.Text.Json.Nodes.JsonNode.Parse(await c.GetStringAsync(s.Http + "_simulator/stats"))!;
        Assert.True((int)stats["totals"]!["gatewayTimeouts"]! >= 2);
    }
}
