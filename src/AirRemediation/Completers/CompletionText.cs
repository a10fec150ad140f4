using System.Management.Automation;

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
        items.Select(i => new CompletionResult(
            quote is { } q ? q + i.Text + q : i.Text, i.Text, CompletionResultType.ParameterValue, i.ToolTip));
}
