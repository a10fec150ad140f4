namespace AirRemediation.Engine.Http;

/// <summary>
/// Reads Retry-After in both forms RFC 9110 allows: delay-seconds, or an HTTP-date. We parse it ourselves rather than
/// trusting a library (the Kiota retry handler's HTTP-date branch reads only the seconds component of the delay).
/// </summary>
internal static class RetryAfterParser
{
    public enum Form { Missing, Seconds, HttpDate, Unparseable }

    public static (Form Form, TimeSpan? Delay) Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return (Form.Missing, null);
        var v = value.Trim();
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < 1e7)
            return (Form.Seconds, TimeSpan.FromSeconds(seconds));
        if (DateTimeOffset.TryParseExact(v, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            // An HTTP-date names a whole second, and the instant the server means lies somewhere inside it: wait until
            // that second is over. Retrying at its start can be up to a second early, which costs another 429.
            var d = date.AddSeconds(1) - now;
            return (Form.HttpDate, d < TimeSpan.Zero ? TimeSpan.Zero : d);
        }
        return (Form.Unparseable, null);
    }
}
