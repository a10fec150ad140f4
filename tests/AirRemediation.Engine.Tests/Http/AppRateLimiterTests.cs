using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using Xunit;

namespace AirRemediation.Engine.Tests.Http;

/// <summary>
/// Issue 17 item 3 at the unit level: how the session's app-wide pacer starts (an initial window of unpaced requests),
/// how far it cuts when the service first throttles the app (half of what it was really sending), and how it climbs
/// back (quickly to 90% of the refused rate, slowly beyond). Everything runs on a <see cref="TestClock"/>: time moves
/// only when the test moves it, and the pacer's waits are read from what it asked the clock for.
/// </summary>
[Trait("Category", "Fault")]
public sealed class AppRateLimiterTests
{
    private readonly TestClock clock = new();

    // Growth is checked once a second of the session clock has passed since the last change; a step a hair over a second
    // keeps floating-point rounding from skipping one.
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1.001);

    private AppRateLimiter Limiter(long window, double initialRate = 100) =>
        new(new RetryOptions { InitialWindow = window, InitialRate = initialRate }, clock);

    /// <summary>Sends <paramref name="count"/> requests spread evenly over <paramref name="over"/>, each completed at once.</summary>
    private async Task SendAsync(AppRateLimiter limiter, int count, TimeSpan over)
    {
        var step = over / count;
        for (var i = 0; i < count; i++)
        {
            var wait = limiter.WaitAsync(CancellationToken.None);
            Assert.True(wait.IsCompleted, $"request {i + 1} of {count} was paced");
            await wait;
            limiter.Completed();
            clock.Advance(step);
        }
    }

    [Fact]
    public async Task The_first_requests_of_a_session_are_not_paced_and_the_rest_are()
    {
        var limiter = Limiter(window: 50, initialRate: 10);

        for (var i = 0; i < 50; i++) Assert.True(limiter.WaitAsync(CancellationToken.None).IsCompletedSuccessfully, $"request {i + 1} of the window was paced");
        Assert.Equal(0, limiter.InitialWindowLeft);
        Assert.Empty(clock.WaitsOf<AppRateLimiter>());

        // The window is spent: the pacer's bucket (50 ms of 10/s, at least one request) lets one more through, then waits.
        await limiter.WaitAsync(CancellationToken.None);
        var paced = limiter.WaitAsync(CancellationToken.None);
        var wait = await clock.NextWaitOfAsync<AppRateLimiter>();
        Assert.False(paced.IsCompleted);
        Assert.Equal(TimeSpan.FromMilliseconds(100), wait.Due);
        clock.AdvancePast(wait);
        await paced.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_429_ends_the_initial_window_at_once()
    {
        var limiter = Limiter(window: 1000, initialRate: 10);
        await SendAsync(limiter, 3, TimeSpan.FromMilliseconds(30));

        limiter.Throttled();

        Assert.Equal(0, limiter.InitialWindowLeft);
        var paced = limiter.WaitAsync(CancellationToken.None);
        await clock.NextWaitOfAsync<AppRateLimiter>();
        Assert.False(paced.IsCompleted);
    }

    [Fact]
    public async Task Leaving_slow_start_cuts_to_half_of_the_rate_really_sent_not_of_the_pacers_rate()
    {
        // 600 requests in half a second from the initial window: 1,200 a second, while the pacer itself is at 100-200/s.
        var limiter = Limiter(window: 1000, initialRate: 100);
        await SendAsync(limiter, 600, TimeSpan.FromSeconds(0.5));
        Assert.InRange(limiter.CurrentRate, 100, 200);

        limiter.Throttled();

        // Half of what was sent (80% of it would still be over any limit the burst had hidden); never a cut from the
        // pacer's own rate, which the window had long outrun.
        Assert.InRange(limiter.CurrentRate, 1200 * 0.5 * 0.95, 1200 * 0.5 * 1.05);
    }

    [Fact]
    public async Task After_the_cut_the_rate_climbs_quickly_to_90_percent_of_what_the_service_refused_then_slowly()
    {
        var limiter = Limiter(window: 1000, initialRate: 100);
        await SendAsync(limiter, 600, TimeSpan.FromSeconds(0.5));
        limiter.Throttled();
        var cut = limiter.CurrentRate;
        var refused = cut * 2;

        var rates = new List<double>();
        for (var second = 0; second < 12; second++)
        {
            clock.Advance(Second);
            await limiter.WaitAsync(CancellationToken.None);   // growth is applied when the pacer is next asked
            rates.Add(limiter.CurrentRate);
        }

        var steps = rates.Prepend(cut).Zip(rates, (a, b) => b / a).ToList();
        var quick = steps.TakeWhile((_, i) => (i == 0 ? cut : rates[i - 1]) < refused * 0.9).ToList();
        Assert.NotEmpty(quick);
        Assert.All(quick, s => Assert.Equal(1.1, s, 3));
        var slow = steps.Skip(quick.Count).ToList();
        Assert.NotEmpty(slow);
        Assert.All(slow, s => Assert.Equal(1.02, s, 3));
        Assert.True(rates[quick.Count - 1] >= refused * 0.9, $"quick growth must reach 90% of {refused:0}/s: {string.Join(", ", rates.Select(r => r.ToString("0")))}");
    }

    [Fact]
    public async Task A_later_429_cuts_to_80_percent_and_sets_the_new_ceiling()
    {
        var limiter = Limiter(window: 1000, initialRate: 100);
        await SendAsync(limiter, 600, TimeSpan.FromSeconds(0.5));
        limiter.Throttled();                                   // 600/s, ceiling 1,200/s
        clock.Advance(Second);
        await SendAsync(limiter, 6, TimeSpan.FromMilliseconds(60));   // growth: 660/s
        var before = limiter.CurrentRate;
        Assert.Equal(660, before, 0);

        // The service refuses again well below the old ceiling: 80% of the lower of the pacer's rate and what it achieved.
        clock.Advance(TimeSpan.FromSeconds(1));
        limiter.Throttled();
        Assert.Equal(before * 0.8, limiter.CurrentRate, 0);
        var now = limiter.CurrentRate;

        // From there growth is quick only below 90% of the new ceiling (594/s): 528 → 580.8 → 638.9/s (×1.1), then ×1.02.
        var expected = new[] { now * 1.1, now * 1.1 * 1.1, now * 1.1 * 1.1 * 1.02 };
        foreach (var rate in expected)
        {
            clock.Advance(Second);
            await limiter.WaitAsync(CancellationToken.None);
            Assert.Equal(rate, limiter.CurrentRate, 0);
        }
    }
}
