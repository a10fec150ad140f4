using System.Globalization;
using AirRemediation.Engine.Http;
using Xunit;

namespace AirRemediation.Engine.Tests.Http;

/// <summary>Issue 10, item 5: how Retry-After is read, in both forms RFC 9110 allows and the ones it does not.</summary>
[Trait("Category", "Fault")]
public sealed class RetryAfterParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("120", 120)]
    [InlineData(" 7 ", 7)]
    [InlineData("0", 0)]
    [InlineData("1.5", 1.5)]
    public void Delay_seconds_are_read_as_given(string header, double seconds)
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
    public void A_missing_header_is_Missing(string? header) => Assert.Equal((RetryAfterParser.Form.Missing, (TimeSpan?)null), RetryAfterParser.Parse(header, Now));

    [Theory]
    [InlineData("soon-ish")]
    [InlineData("-5")]
    [InlineData("1e9")]
    [InlineData("NaN")]
    [InlineData("12 seconds")]
    public void Unparseable_values_are_not_guessed_at(string header) =>
        Assert.Equal((RetryAfterParser.Form.Unparseable, (TimeSpan?)null), RetryAfterParser.Parse(header, Now));
}
