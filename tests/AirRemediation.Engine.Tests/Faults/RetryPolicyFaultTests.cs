using Xunit;
using System.Diagnostics;
using System.Globalization;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Tests.Faults;

/// <summary>
/// Issue 10, items 3, 5 and 10 at the unit level: how Retry-After is read, and which failures the retry loop sends
/// again (429, 5xx, dropped connections, one 401) and which it never does (403, 404, 424, other 4xx).
/// </summary>
[Trait("Category", "Fault")]
public sealed class RetryPolicyFaultTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("120", 120)]
    [InlineData(" 7 ", 7)]
    [InlineData("0", 0)]
    [InlineData("1.5", 1.5)]
    public void Delay_seconds(string header, double seconds)
    {
        var (form, delay) = RetryAfterParser.Parse(header, Now);
        Assert.Equal(RetryAfterParser.Form.Seconds, form);
        Assert.Equal(TimeSpan.FromSeconds(seconds), delay);
    }

    [Fact]
    public void An_HTTP_date_is_the_time_left_until_the_end_of_the_second_it_names()
    {
        // The date has one-second resolution: the server's instant may be anywhere in that second, so the wait ends
        // with it (never early).
        var (form, delay) = RetryAfterParser.Parse(Now.AddSeconds(42).ToString("r", CultureInfo.InvariantCulture), Now);
        Assert.Equal(RetryAfterParser.Form.HttpDate, form);
        Assert.Equal(TimeSpan.FromSeconds(43), delay);
        // RFC 9110's own example, and the obsolete RFC 850 form it still requires recipients to accept.
        Assert.Equal(TimeSpan.FromSeconds(38), RetryAfterParser.Parse("Sun, 06 Nov 1994 08:49:37 GMT", new DateTimeOffset(1994, 11, 6, 8, 49, 0, TimeSpan.Zero)).Delay);
        Assert.Equal(TimeSpan.FromSeconds(38), RetryAfterParser.Parse("Sunday, 06-Nov-94 08:49:37 GMT", new DateTimeOffset(1994, 11, 6, 8, 49, 0, TimeSpan.Zero)).Delay);
    }

    [Fact]
    public void An_HTTP_date_in_the_past_means_now()
    {
        var (form, delay) = RetryAfterParser.Parse(Now.AddMinutes(-5).ToString("r", CultureInfo.InvariantCulture), Now);
        Assert.Equal(RetryAfterParser.Form.HttpDate, form);
        Assert.Equal(TimeSpan.Zero, delay);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing(string? header) => Assert.Equal((RetryAfterParser.Form.Missing, (TimeSpan?)null), RetryAfterParser.Parse(header, Now));

    [Theory]
    [InlineData("soon-ish")]
    [InlineData("-5")]
    [InlineData("1e9")]
    [InlineData("NaN")]
    [InlineData("12 seconds")]
    public void Unparseable_values_are_not_guessed_at(string header) =>
        Assert.Equal((RetryAfterParser.Form.Unparseable, (TimeSpan?)null), RetryAfterParser.Parse(header, Now));

    private static ServiceCaller Caller(RetryOptions? o = null)
    {
        o ??= new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50), MaxRetryAfter = TimeSpan.FromMilliseconds(300) };
        return new ServiceCaller(o, TimeProvider.System);
    }

    private static ServiceCallException Status(int status, string? code = null, string? retryAfter = null) =>
        ServiceErrorClassifier.FromStatus(status, code, $"status {status}", retryAfter, DateTimeOffset.UtcNow);

    /// <summary>Calls once through the retry loop; the service answers with <paramref name="answers"/> in turn, then succeeds.</summary>
    private static async Task<(int Calls, Exception? Error)> Drive(ServiceCaller caller, string? mailbox, params Exception[] answers)
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
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_and_the_write_verified_before_it_is_sent_again()
    {
        var caller = Caller();
        var calls = 0;
        var verified = 0;
        var result = await caller.CallAsync("pat@contoso.com",
            _ => ++calls == 1 ? Task.FromException<string>(new HttpRequestException("connection reset")) : Task.FromResult("sent again"),
            CancellationToken.None,
            verify: _ => { verified++; return Task.FromResult<string?>("was applied"); });
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
    }

    [Fact]
    public async Task A_very_long_Retry_After_is_capped_and_says_so()
    {
        var log = new CapturingLog();
        var sw = Stopwatch.StartNew();
        (int Calls, Exception? Error) r;
        using (AirLog.Use(log)) r = await Drive(Caller(), null, Status(429, "TooManyRequests", "86400"));
        sw.Stop();
        Assert.Null(r.Error);
        Assert.Equal(2, r.Calls);
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
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
    }

    [Fact]
    public async Task A_Retry_After_on_one_mailbox_holds_that_mailbox_and_no_other()
    {
        var caller = Caller(new RetryOptions { MaxRetryAfter = TimeSpan.FromSeconds(10) });
        var sw = Stopwatch.StartNew();
        var stormed = Drive(caller, "storm@contoso.com", Status(429, null, "2"));
        await Task.Delay(100);
        var other = await Drive(caller, "calm@contoso.com");
        var otherDone = sw.Elapsed;
        var held = await stormed;
        Assert.Null(other.Error);
        Assert.True(otherDone < TimeSpan.FromSeconds(1), $"another mailbox waited {otherDone}");
        Assert.Null(held.Error);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(2), "the throttled mailbox must wait its Retry-After");
    }
}
