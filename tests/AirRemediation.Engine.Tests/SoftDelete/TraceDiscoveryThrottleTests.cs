using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.SoftDelete;

/// <summary>
/// Issue 17, "a trace throttled by the service backs off and completes": message trace allows 100 queries per tenant in
/// any 5 minutes and answers the next with 400 ThrottlingException, without Retry-After (SIMULATOR.md, Open question
/// 15). The simulator and the sessions share one <see cref="TestClock"/>, so the window frees only when the test moves
/// time, and the test sees exactly what wait the module asked for.
/// </summary>
public sealed class TraceDiscoveryThrottleTests
{
    private const string Sender = "payroll@tailspin-hr.example";
    private const string Subject = "Updated direct deposit form";
    private static readonly DateTimeOffset Sent = TestClock.Start.AddHours(-3);
    private static readonly string[] Receivers = ["adele@contoso.com", "lynne@contoso.com", "megan@contoso.com"];

    private static async Task<SimulatorServer> StartAsync(TestClock clock)
    {
        var doc = ScenarioLoader.ReadFile(SimulatedTenant.ScenarioPath);
        foreach (var m in doc.Mailboxes.Where(m => Receivers.Contains(m.User)))
            m.Messages.Add(new MessageSpec { InternetMessageId = "<dd-form@tailspin-hr.example>", Subject = Subject, From = Sender, ReceivedDateTime = Sent });
        return await SimulatedTenant.StartAsync(o =>
        {
            o.Scenario = doc;
            o.Clock = clock;
        });
    }

    private static Task<AirSession> ConnectAsync(SimulatorServer sim, TestClock clock, RetryOptions? retry = null) =>
        SimulatedTenant.ConnectAsync(sim, retry: FaultTenant.Unpaced(retry ?? FaultTenant.QuickRetries), clock: clock);

    /// <summary>Another session of the tenant (another admin's trace) uses <paramref name="queries"/> of the trace's 100 now.</summary>
    private static async Task UseTraceBudgetAsync(SimulatorServer sim, TestClock clock, int queries)
    {
        using var other = await ConnectAsync(sim, clock);
        // The session's own caller: unpaced, so it never waits on the clock only the test moves.
        var exchange = new ExchangeAdminClient(other, other.Caller);
        for (var i = 0; i < queries; i++)
            await exchange.InvokeAsync("Get-MessageTraceV2", new Dictionary<string, object?> { ["SenderAddress"] = "someone@fabrikam.example" }, null, default)
                .WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(queries, sim.Stats.MessageTraceQueries);
    }

    /// <summary>A 25-day window: three trace queries of at most 10 days each.</summary>
    private static NormalizedRequest Cluster(AirSession s, ClusterDiscovery discovery) => Remediation.Normalize(s, new SoftDeleteRequest
    {
        Query = new ClusterQuery { Sender = Sender, Subject = Subject, ReceivedAfter = Sent.AddDays(-25) },
        AllMailboxes = true,
        Discovery = discovery,
    });

    private static List<int> TimesMoved(SimulatorServer sim)
    {
        var moved = new List<int>();
        foreach (var m in sim.State.Mailboxes)
            lock (m.Gate) moved.AddRange(m.Messages.Where(x => x.FromAddress == Sender).Select(x => x.TimesMoved));
        return moved;
    }

    [Fact]
    public async Task A_throttled_trace_waits_until_the_window_frees_once_and_completes()
    {
        var clock = new TestClock();
        await using var sim = await StartAsync(clock);
        // 98 queries a minute ago: the run's first two queries fit, its third is refused until those 98 age out (in 4 minutes).
        await UseTraceBudgetAsync(sim, clock, 98);
        var othersAgeOut = clock.GetUtcNow() + TimeSpan.FromMinutes(5);
        clock.Advance(TimeSpan.FromMinutes(1));
        using var app = await ConnectAsync(sim, clock);

        var running = Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.MessageTrace), null, RunSink.None, default);
        var backoff = clock.NextWaitOfAsync<ServiceCaller>();
        if (await Task.WhenAny(running, backoff) == running) await running;   // the run ended (or failed) without backing off: say how
        var wait = await backoff;

        // The module waited on the throttled query, once, long enough for the window to free (not coming back early to be
        // refused again) and no longer than the window itself, and within the retry options' bound.
        Assert.Equal(1, sim.Stats.MessageTraceThrottled);
        Assert.True(wait.EndsAt >= othersAgeOut, $"the retry would come at {wait.EndsAt:O}, before the window frees at {othersAgeOut:O}");
        Assert.True(wait.Due <= TimeSpan.FromMinutes(5), $"waited {wait.Due}, longer than the trace's whole 5-minute window");
        Assert.True(wait.Due <= app.Caller.Options.MaxThrottleWait);
        clock.AdvancePast(wait);
        var run = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ActionState.Completed, run.State);
        Assert.Equal(3, run.Succeeded);
        Assert.StartsWith("Discovery: message trace (", run.Note, StringComparison.Ordinal);
        Assert.Equal(1, sim.Stats.MessageTraceThrottled);
        Assert.Equal(98 + 3, sim.Stats.MessageTraceQueries);
        Assert.Equal([1, 1, 1], TimesMoved(sim));
        Assert.Single(clock.WaitsOf<ServiceCaller>());
        // A trace's own limit is not the app's Graph rate: the searches and moves that follow are not slowed by it.
        Assert.Equal(app.Caller.Options.InitialRate, app.Caller.CurrentRate);
    }

    [Fact]
    public async Task A_trace_throttled_for_longer_than_MaxThrottleWait_is_an_error_under_MessageTrace_and_a_full_scan_under_Auto()
    {
        var clock = new TestClock();
        await using var sim = await StartAsync(clock);
        await UseTraceBudgetAsync(sim, clock, 100);
        // The window frees in 5 minutes; the module may wait only 2.
        using var app = await ConnectAsync(sim, clock, FaultTenant.QuickRetries with { MaxThrottleWait = TimeSpan.FromMinutes(2) });

        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.MessageTrace), null, RunSink.None, default)
            .WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(AirErrorKind.Throttled, e.Kind);
        Assert.Contains("Message trace (Get-MessageTraceV2)", e.Message, StringComparison.Ordinal);
        Assert.Contains("exceeded the limit of 100 in 5 minutes", e.Message, StringComparison.Ordinal);
        Assert.Equal([0, 0, 0], TimesMoved(sim));

        var run = await Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.Auto), null, RunSink.None, default).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(ActionState.Completed, run.State);
        Assert.Equal(3, run.Succeeded);
        Assert.StartsWith("Discovery: full scan (message trace failed: ", run.Note, StringComparison.Ordinal);
        Assert.Contains("exceeded the limit of 100 in 5 minutes", run.Note, StringComparison.Ordinal);
        Assert.Equal([1, 1, 1], TimesMoved(sim));
        // Neither run waited on the clock: a wait beyond the bound is not started at all.
        Assert.Empty(clock.WaitsOf<ServiceCaller>());
    }
}
