namespace AirRemediation.Completers;

/// <summary>Turns raw suggestions into CompletionResults, keeping the quote the user started with.</summary>
internal static class CompletionText
{
    public static string Prefix(string? wordToComplete, out char? quote)
    {
        var word = wordToComplete ?? "";
        quote = word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word[0] : null;
        return (quote is null ? word : word[1..]).TrimEnd('\'', '"');
    }

    public static IEnumerable<CompletionResult> Results(IEnumerable<(string Text, string ToolTip)> items, char? quote) =>
        items.Select(i => new CompletionResult(Quote(i.Text, quote), i.Text, CompletionResultType.ParameterValue, i.ToolTip));

    // Characters that would end or change a bare argument; such a value is completed in single quotes.
    private static readonly char[] Special = [' ', '\t', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '|', '&', '<', '>', '#'];

    private static string Quote(string text, char? quote)
    {
        if (quote is { } q) return q + (q == '\'' ? text.Replace("'", "''", StringComparison.Ordinal) : text) + q;
        return text.IndexOfAny(Special) >= 0 ? "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'" : text;
    }
}
