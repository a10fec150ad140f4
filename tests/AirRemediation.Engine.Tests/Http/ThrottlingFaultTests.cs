using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Http;

/// <summary>
/// Issue 10, items 1, 2 and 5 end to end: 429 storms on one mailbox (with every Retry-After style), and the app-wide
/// rate limit, against the in-process simulator.
/// </summary>
[Trait("Category", "Fault")]
public sealed class ThrottlingFaultTests(ITestOutputHelper output)
{
    private static StormSpec Storm(string mailbox, int retryAfter, double duration, string style) =>
        new() { Mailboxes = [mailbox], RetryAfterSeconds = retryAfter, DurationSeconds = duration, RetryAfterStyle = style };

    /// <summary>
    /// The simulator and the session share one <see cref="TestClock"/>: the storm's end, the Retry-After the simulator
    /// sends, the pause the client takes and the simulator's check for early retries all read the same "now", which moves
    /// only when the test moves it. Latency stays 0 (the simulator would wait for it on that clock too).
    /// </summary>
    private static async Task<(FaultTenant Tenant, AirSession Session)> OnOneClockAsync(TestClock clock, int mailboxes, int messagesPerMailbox, RetryOptions? retry = null)
    {
        var t = await FaultTenant.StartAsync(mailboxes, messagesPerMailbox, mailboxes * messagesPerMailbox, configure: o => o.Clock = clock);
        var session = await t.ConnectAsync(retry: FaultTenant.Unpaced(retry ?? FaultTenant.QuickRetries), clock: clock);
        return (t, session);
    }

    [Fact]
    public async Task A_429_storm_on_one_mailbox_holds_back_only_that_mailbox_and_nothing_arrives_before_its_Retry_After()
    {
        // Long variant: Microsoft-sized Retry-After and a bigger tenant.
        var retryAfter = FaultTenant.Long ? 60 : 8;
        var mailboxes = FaultTenant.Long ? 200 : 24;
        var clock = new TestClock();
        var (t, session) = await OnOneClockAsync(clock, mailboxes, 4);
        await using var _ = t;
        var stormed = FaultTenant.Mailbox(3);
        t.Sim.ResetStats();
        t.Sim.SetFaults(new FaultSettings { Storms = [Storm(stormed, retryAfter, retryAfter, "seconds")] });
        var stormEnd = clock.GetUtcNow() + TimeSpan.FromSeconds(retryAfter);

        var run = new FaultTenant.Run(clock);
        var running = run.ExecuteAsync(session, FaultTenant.Cluster());
        // The stormed mailbox is paused for its Retry-After; every other mailbox is finished while the clock stands still.
        var pause = await clock.NextWaitOfAsync<MailboxGate>();
        await run.When(r => r.Messages.Count(i => i.Result.Mailbox != stormed) == (mailboxes - 1) * 4);
        Assert.Equal(TimeSpan.FromSeconds(retryAfter), pause.Due);
        Assert.DoesNotContain(run.Messages, i => i.Result.Mailbox == stormed);
        clock.AdvancePast(pause);
        await running.WaitAsync(TimeSpan.FromSeconds(60));

        var others = run.Messages.Where(i => i.Result.Mailbox != stormed).ToList();
        var mine = run.Messages.Where(i => i.Result.Mailbox == stormed).ToList();
        output.WriteLine($"others: {others.Count} items, the last at +{(others.Max(i => i.At) - TestClock.Start).TotalSeconds:0.00} s; stormed: {mine.Count} items at {string.Join(", ", mine.Select(i => "+" + (i.At - TestClock.Start).TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s; storm ended at +{retryAfter} s; waits: {string.Join(", ", clock.WaitsOf<MailboxGate>())}; {run.Summary.Requests} requests, {run.Summary.Throttled} 429s");

        Assert.Equal((mailboxes - 1) * 4, others.Count);
        Assert.All(others, i => Assert.True(i.At < stormEnd, $"the other mailboxes must finish while the storm still lasts (one at {i.At:O}, storm ended at {stormEnd:O})"));
        Assert.Equal(4, mine.Count);
        Assert.All(mine, i => Assert.True(i.At >= stormEnd, $"the stormed mailbox cannot finish before its storm ends ({i.At:O})"));
        Assert.All(mine, i => Assert.Equal(AirRemediation.Engine.Actions.ItemState.Done, i.Result.Outcome));
        Assert.Equal(0, t.EarlyRetries());
        // One request (its first search page) met the storm; everything else for it waited for the Retry-After.
        Assert.Equal(1, t.Sim.Stats.Mailbox(stormed).Throttled);
        Assert.Single(clock.WaitsOf<MailboxGate>());
        t.AssertExactlyOnce(run.Summary);
    }

    [Theory]
    [InlineData("seconds")]
    [InlineData("httpDate")]
    public async Task A_readable_Retry_After_is_honoured_to_the_second_in_both_RFC_forms(string style)
    {
        var clock = new TestClock();
        var (t, session) = await OnOneClockAsync(clock, 6, 2);
        await using var _ = t;
        var stormed = FaultTenant.Mailbox(0);
        t.Sim.ResetStats();
        t.Sim.SetFaults(new FaultSettings { Storms = [Storm(stormed, 3, 3, style)] });
        var stormEnd = clock.GetUtcNow() + TimeSpan.FromSeconds(3);

        var run = new FaultTenant.Run(clock);
        var running = run.ExecuteAsync(session, FaultTenant.Cluster());
        var pause = await clock.NextWaitOfAsync<MailboxGate>();
        clock.AdvancePast(pause);
        await running.WaitAsync(TimeSpan.FromSeconds(60));

        output.WriteLine($"{style}: paused {pause.Due.TotalSeconds:0.###} s, 429s for {stormed}: {t.Sim.Stats.Mailbox(stormed).Throttled}, early retries {t.EarlyRetries()}");
        // Seconds: exactly 3 s. An HTTP date names a whole second, and the wait lasts until that second is over: 4 s.
        Assert.Equal(TimeSpan.FromSeconds(style == "seconds" ? 3 : 4), pause.Due);
        Assert.Equal(0, t.EarlyRetries());
        Assert.Equal(1, t.Sim.Stats.Mailbox(stormed).Throttled);
        Assert.All(run.Messages.Where(i => i.Result.Mailbox == stormed), i => Assert.True(i.At >= stormEnd, $"moved at {i.At:O}, before the Retry-After ended"));
        Assert.Empty(run.Log.Warnings);
        t.AssertExactlyOnce(run.Summary);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("unparseable")]
    public async Task Without_a_usable_Retry_After_the_mailbox_backs_off_exponentially_and_finishes(string style)
    {
        var clock = new TestClock();
        var (t, session) = await OnOneClockAsync(clock, 6, 2, FaultTenant.QuickRetries with { BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) });
        await using var _ = t;
        var stormed = FaultTenant.Mailbox(0);
        t.Sim.ResetStats();
        t.Sim.SetFaults(new FaultSettings { Storms = [Storm(stormed, 30, 3, style)] });

        var run = new FaultTenant.Run(clock);
        var running = run.ExecuteAsync(session, FaultTenant.Cluster());
        // Each time the mailbox is paused, let exactly that pause pass, until the run is done.
        var pauses = new List<TestClock.Wait>();
        while (true)
        {
            using var stop = new CancellationTokenSource();
            var next = clock.NextWaitOfAsync<MailboxGate>(pauses.Count == 0 ? 0 : pauses[^1].Index + 1, stop.Token);
            if (await Task.WhenAny(running, next).WaitAsync(TimeSpan.FromSeconds(60)) == running)
            {
                await stop.CancelAsync();
                break;
            }
            pauses.Add(await next);
            clock.AdvancePast(pauses[^1]);
        }
        await running;

        var throttled = t.Sim.Stats.Mailbox(stormed).Throttled;
        output.WriteLine($"{style}: 429s for {stormed}: {throttled}; pauses {string.Join(", ", pauses.Select(p => $"{p.Due.TotalMilliseconds:0} ms"))}, {clock.Moved.TotalSeconds:0.00} s in all; warnings: {string.Join(" | ", run.Log.Warnings.Distinct())}");
        // Exponential from 200 ms with ±50% jitter, capped at 2 s: a 3 s storm costs a handful of attempts, not a flood.
        Assert.InRange(throttled, 2, 10);
        Assert.Equal(throttled, pauses.Count);
        for (var k = 0; k < pauses.Count; k++)
        {
            var step = TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, k), 2000));
            Assert.InRange(pauses[k].Due, step * 0.5, step * 1.5);
        }
        // It kept trying until the storm was over…
        Assert.True(clock.Moved >= TimeSpan.FromSeconds(3), $"waited {clock.Moved} in all");
        // …and did not wait the storm's 30 s (which it was never told).
        Assert.True(clock.Moved < TimeSpan.FromSeconds(20), $"waited {clock.Moved} in all");
        if (style == "unparseable")
            Assert.Contains(run.Log.Warnings, w => w.Contains("unreadable Retry-After 'soon-ish'", StringComparison.Ordinal) && w.Contains(stormed, StringComparison.Ordinal));
        else
            Assert.Empty(run.Log.Warnings);
        t.AssertExactlyOnce(run.Summary);
    }

    [Fact]
    public async Task A_very_long_Retry_After_is_capped_with_a_warning_naming_the_mailbox()
    {
        var clock = new TestClock();
        var (t, session) = await OnOneClockAsync(clock, 4, 2, FaultTenant.QuickRetries with { MaxRetryAfter = TimeSpan.FromSeconds(2) });
        await using var _ = t;
        var stormed = FaultTenant.Mailbox(1);
        t.Sim.ResetStats();
        // The service asks for an hour; the run is allowed to wait 2 s at most per 429 (production default: 5 min).
        t.Sim.SetFaults(new FaultSettings { Storms = [Storm(stormed, 3600, 1.5, "seconds")] });

        var run = new FaultTenant.Run(clock);
        var running = run.ExecuteAsync(session, FaultTenant.Cluster());
        var pause = await clock.NextWaitOfAsync<MailboxGate>();
        clock.AdvancePast(pause);
        await running.WaitAsync(TimeSpan.FromSeconds(60));

        output.WriteLine($"paused {pause.Due.TotalSeconds:0.###} s; warnings: {string.Join(" | ", run.Log.Warnings)}");
        Assert.Contains(run.Log.Warnings, w => w.Contains($"Throttled on {stormed} with Retry-After 3600 s; waiting the cap of 2 s", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(2), pause.Due);
        Assert.Single(clock.WaitsOf<MailboxGate>());
        Assert.Equal(1, t.Sim.Stats.Mailbox(stormed).Throttled);
        t.AssertExactlyOnce(run.Summary);
    }

    /// <summary>
    /// Item 2. The simulator lets the app make 40 requests a second (bucket of 10). A client that honours the
    /// service-wide 429 as a whole (not mailbox by mailbox) and comes back jittered sees few 429s and no bursts.
    /// Depends on the client-side app-wide limiter (ServiceCaller/AppRateLimiter).
    /// </summary>
    /// <remarks>
    /// The client's limiter measures the rate it achieves on a stopwatch, so this one runs on the real clock (a recording
    /// one): what it asserts is what the client asked to wait and what the simulator counted, never how long anything took.
    /// The unit-level proof on a fake clock is ServiceCallerTests.An_app_wide_429_slows_the_whole_app_….
    /// </remarks>
    [Fact]
    public async Task App_wide_throttling_backs_off_as_a_whole_and_recovers_without_a_burst()
    {
        const double rate = 40, burst = 10;
        var clock = TestClock.Recording();
        await using var t = await FaultTenant.StartAsync(40, 2, 160, configure: o => { o.LatencyMs = 5; o.JitterMs = 3; });
        var session = await t.ConnectAsync(clock: clock);
        t.Sim.SetLimits(new LimitSettings { AppRequestsPerSecond = rate, AppBurst = burst, LatencyMs = 5, JitterMs = 3 });
        t.Sim.ResetStats();

        // What the simulator had seen when the first request that backed off came back (the client's Retry-After, not a
        // time the test picks): from then on the client must not keep hammering a service that said "too many".
        (long Requests, long Throttled)? atComeback = null;
        var gate = new Lock();
        clock.WhenFired = w =>
        {
            if (w.Waiter != typeof(ServiceCaller)) return;
            lock (gate) atComeback ??= (Interlocked.Read(ref t.Sim.Stats.TotalRequests), Interlocked.Read(ref t.Sim.Stats.Throttled));
        };
        var run = await new FaultTenant.Run(clock).ExecuteAsync(session, FaultTenant.Cluster()).WaitAsync(TimeSpan.FromSeconds(120));

        var total = Interlocked.Read(ref t.Sim.Stats.TotalRequests);
        var throttled = Interlocked.Read(ref t.Sim.Stats.Throttled);
        var appWide = clock.WaitsOf<ServiceCaller>();
        var paced = clock.WaitsOf<AppRateLimiter>();
        Assert.True(throttled > 0, "the app-wide limit must really have been hit");
        Assert.NotNull(atComeback);
        var (requestsBefore, throttledBefore) = atComeback.Value;
        var requestsAfter = total - requestsBefore;
        var throttledAfter = throttled - throttledBefore;
        output.WriteLine($"{total} requests, {throttled} answered 429 ({100.0 * throttled / total:0.0}%); after the first comeback: {requestsAfter} requests, {throttledAfter} 429s; app-wide waits: {string.Join(", ", appWide.Select(w => $"{w.Due.TotalMilliseconds:0} ms"))}; {paced.Count} pacing waits; learned rate {session.Caller.CurrentRate:0.0}/s (service: {rate}/s, bucket {burst})");

        // Every 429 was about the app, and was waited out by the request as a whole — its Retry-After (1 s), spread by up
        // to +50% jitter — never by pausing a mailbox.
        Assert.Equal(run.Summary.Throttled, appWide.Count);
        Assert.All(appWide, w => Assert.InRange(w.Due, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5)));
        Assert.Empty(clock.WaitsOf<MailboxGate>());
        // The whole app slowed down: the learned rate was cut, and from then on requests were released by the pacer.
        Assert.True(session.Caller.CurrentRate < new RetryOptions().InitialRate, $"the learned rate must have been cut (now {session.Caller.CurrentRate:0.0}/s)");
        Assert.NotEmpty(paced);
        // The service is the judge of bursts: its bucket answers 429 to anything over its rate and burst. Once the client
        // had backed off, almost nothing it sent was over.
        Assert.True(throttledAfter <= requestsAfter / 20, $"{throttledAfter} of {requestsAfter} requests after the first back-off were answered 429: the client keeps hammering a service that said 'too many' (no app-wide back-off), or its waiters came back as a burst");
        t.AssertExactlyOnce(run.Summary);
    }
}
