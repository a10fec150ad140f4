namespace AirRemediation.Engine.Graph;

/// <summary>OData literals for Graph <c>$filter</c> expressions, written one way everywhere.</summary>
internal static class OData
{
    /// <summary>A string literal: single quotes doubled, as OData requires (a subject like O'Brien must work).</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A DateTimeOffset literal in UTC, to the second (the precision Graph compares mail times at).</summary>
    public static string Date(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary><c>field eq 'a' or field eq 'b' …</c> for one or more values.</summary>
    /// <summary><c>field in ('a', 'b')</c>: directory objects only (Outlook's message filter does not take <c>in</c>).</summary>
    public static string In(string field, IEnumerable<string> values) => $"{field} in ({string.Join(", ", values.Select(Quote))})";

    public static string AnyOf(string field, IEnumerable<string> values) => string.Join(" or ", values.Select(v => $"{field} eq {Quote(v)}"));
}
