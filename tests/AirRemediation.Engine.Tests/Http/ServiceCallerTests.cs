using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using Xunit;

namespace AirRemediation.Engine.Tests.Http;

/// <summary>
/// Issue 10, items 3, 5 and 10 at the unit level: which failures the retry loop sends again (429, 5xx, dropped
/// connections, one 401) and which it never does (403, 404, 424, other 4xx), and what it waits before sending again.
/// The caller runs on a <see cref="TestClock"/>: every wait is read from what it asked the clock for, and time moves
/// only when the test (or <see cref="TestClock.DriveAsync{T}"/>) moves it.
/// </summary>
[Trait("Category", "Fault")]
public sealed class ServiceCallerTests
{
    private readonly TestClock clock = new();

    /// <summary>Small steps; unpaced, so that the only waits are the ones the test is about (see <see cref="FaultTenant.Unpaced"/>).</summary>
    private ServiceCaller Caller(RetryOptions? o = null) =>
        new(o ?? FaultTenant.Unpaced(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50), MaxRetryAfter = TimeSpan.FromMilliseconds(300) }), clock);

    private ServiceCallException Status(int status, string? code = null, string? retryAfter = null, string? message = null) =>
        ServiceErrorClassifier.FromStatus(status, code, message ?? $"status {status}", retryAfter, clock.GetUtcNow());

    /// <summary>Calls once through the retry loop; the service answers with <paramref name="answers"/> in turn, then succeeds.</summary>
    private static async Task<(int Calls, Exception? Error)> Call(ServiceCaller caller, string? mailbox, params Exception[] answers)
    {
        var calls = 0;
        try
        {
            await caller.CallAsync(mailbox, _ =>
            {
                var i = calls++;
                return i < answers.Length ? Task.FromException<string>(answers[i]) : Task.FromResult("ok");
            }, CancellationToken.None);
            return (calls, null);
        }
        catch (Exception e)
        {
            return (calls, e);
        }
    }

    /// <summary>One call driven to its end on the fake clock.</summary>
    private Task<(int Calls, Exception? Error)> Drive(ServiceCaller caller, string? mailbox, params Exception[] answers) =>
        clock.DriveAsync(Call(caller, mailbox, answers));

    [Theory]
    [InlineData(403, "ErrorAccessDenied")]
    [InlineData(404, "ErrorItemNotFound")]
    [InlineData(404, "MailboxNotEnabledForRESTAPI")]
    [InlineData(400, "ErrorInvalidIdMalformed")]
    [InlineData(424, "FailedDependency")]
    [InlineData(409, "ErrorIrresolvableConflict")]
    public async Task Permanent_failures_are_sent_exactly_once(int status, string code)
    {
        var (calls, error) = await Drive(Caller(), "pat@contoso.com", Status(status, code), Status(status, code));
        Assert.Equal(1, calls);
        var e = Assert.IsType<ServiceCallException>(error);
        Assert.Equal(status, e.Status);
        Assert.False(e.MayHaveApplied);
        // Nothing was waited for either: a permanent failure is reported at once.
        Assert.Empty(clock.Waits);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(408)]
    public async Task Retryable_failures_are_sent_again(int status)
    {
        var (calls, error) = await Drive(Caller(), "pat@contoso.com", Status(status, null, status == 429 ? "0" : null));
        Assert.Null(error);
        Assert.Equal(2, calls);
        // What it waited before sending again, on the clock: a 429 without a mailbox code is about the app, and even
        // "Retry-After: 0" holds it back 50 ms (spread by up to +50% jitter); a 5xx waits the first backoff step, 10 ms ±50%.
        var wait = Assert.Single(clock.WaitsOf<ServiceCaller>());
        if (status == 429)
            Assert.InRange(wait.Due, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(75));
        else
            Assert.InRange(wait.Due, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(15));
        Assert.Empty(clock.WaitsOf<MailboxGate>());
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_and_the_write_verified_before_it_is_sent_again()
    {
        var caller = Caller();
        var calls = 0;
        var verified = 0;
        var result = await clock.DriveAsync(caller.CallAsync("pat@contoso.com",
            _ => ++calls == 1 ? Task.FromException<string>(new HttpRequestException("connection reset")) : Task.FromResult("sent again"),
            CancellationToken.None,
            verify: _ => { verified++; return Task.FromResult<string?>("was applied"); }));
        Assert.Equal("was applied", result);
        Assert.Equal(1, calls);
        Assert.Equal(1, verified);
    }

    [Fact]
    public async Task A_401_renews_the_token_once_then_gives_up()
    {
        var (calls, error) = await Drive(Caller(), null, Status(401), Status(401), Status(401));
        Assert.Equal(2, calls);
        Assert.Equal(FailureKind.Unauthorized, Assert.IsType<ServiceCallException>(error).Kind);
        Assert.Empty(clock.Waits);
    }

    [Fact]
    public async Task A_very_long_Retry_After_is_capped_and_says_so()
    {
        var log = new CapturingLog();
        (int Calls, Exception? Error) r;
        using (AirLog.Use(log)) r = await Drive(Caller(), null, Status(429, "TooManyRequests", "86400"));
        Assert.Null(r.Error);
        Assert.Equal(2, r.Calls);
        // The service asked for a day; the caller waited the 300 ms cap (app-wide, so spread by up to +50% jitter).
        var wait = Assert.Single(clock.WaitsOf<ServiceCaller>());
        Assert.InRange(wait.Due, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(450));
        Assert.InRange(clock.Moved, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1));
        Assert.Contains(log.Warnings, w => w.Contains("Throttled on the service with Retry-After 86400 s; waiting the cap of", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreadable_Retry_After_backs_off_with_a_warning()
    {
        var log = new CapturingLog();
        (int Calls, Exception? Error) r;
        using (AirLog.Use(log)) r = await Drive(Caller(), "pat@contoso.com", Status(429, null, "soon-ish"));
        Assert.Null(r.Error);
        Assert.Equal(2, r.Calls);
        Assert.Contains(log.Warnings, w => w.Contains("unreadable Retry-After 'soon-ish'", StringComparison.Ordinal));
        // It backed off the first exponential step (10 ms ±50%, app-wide so up to +50% more) instead of guessing a Retry-After.
        Assert.InRange(Assert.Single(clock.WaitsOf<ServiceCaller>()).Due, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(22.5));
    }

    [Fact]
    public async Task A_Retry_After_on_one_mailbox_holds_that_mailbox_and_no_other()
    {
        var caller = Caller(FaultTenant.Unpaced(new RetryOptions { MaxRetryAfter = TimeSpan.FromSeconds(10) }));
        var stormed = Call(caller, "storm@contoso.com", Status(429, "ApplicationThrottled", "2", "Application is over its MailboxConcurrency limit."));

        // The stormed mailbox is paused for exactly its Retry-After…
        var pause = await clock.NextWaitOfAsync<MailboxGate>();
        Assert.Equal(TimeSpan.FromSeconds(2), pause.Due);
        // …while another mailbox is served at once: it finishes before the clock has moved at all.
        var other = await Call(caller, "calm@contoso.com").WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(other.Error);
        Assert.Equal(TimeSpan.Zero, clock.Moved);

        // Until the Retry-After has passed, the stormed mailbox is not sent anything.
        clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.False(stormed.IsCompleted, "the throttled mailbox must wait its whole Retry-After");
        var held = await clock.DriveAsync(stormed);
        Assert.Null(held.Error);
        Assert.Equal(2, held.Calls);
        Assert.InRange(clock.Moved, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.001));
        // One pause, no app-wide wait: the 429 was about the mailbox.
        Assert.Single(clock.WaitsOf<MailboxGate>());
        Assert.Empty(clock.WaitsOf<ServiceCaller>());
    }

    /// <summary>
    /// Item 2 at the unit level: a 429 about the app as a whole (not one mailbox) slows the whole app down — the
    /// session's learned rate is cut — and each throttled request waits its Retry-After, spread by jitter so that the
    /// waiters do not all come back at the same instant. No mailbox is paused for it.
    /// </summary>
    [Fact]
    public async Task An_app_wide_429_slows_the_whole_app_and_its_waiters_come_back_after_the_Retry_After_spread_apart()
    {
        var options = FaultTenant.Unpaced(new RetryOptions());
        var caller = new ServiceCaller(options, clock);
        var mailboxes = Enumerable.Range(0, 16).Select(i => $"user{i}@contoso.com").ToList();

        var done = await clock.DriveAsync(Task.WhenAll(mailboxes.Select(m => Call(caller, m, Status(429, "TooManyRequests", "1", "Too many requests.")))));

        Assert.All(done, r => Assert.Null(r.Error));
        Assert.All(done, r => Assert.Equal(2, r.Calls));
        var appWide = clock.WaitsOf<ServiceCaller>();
        Assert.Equal(mailboxes.Count, appWide.Count);
        Assert.All(appWide, w => Assert.InRange(w.Due, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5)));
        // Spread over the jitter window rather than bunched (16 uniform draws over 500 ms all within 100 ms: about 1 in 2·10⁹).
        Assert.True(appWide.Max(w => w.Due) - appWide.Min(w => w.Due) >= TimeSpan.FromMilliseconds(100), "the waiters must come back spread out: " + string.Join(", ", appWide));
        Assert.Empty(clock.WaitsOf<MailboxGate>());
        Assert.True(caller.CurrentRate < options.InitialRate, $"the app-wide rate must be cut (now {caller.CurrentRate}/s)");
    }
}
