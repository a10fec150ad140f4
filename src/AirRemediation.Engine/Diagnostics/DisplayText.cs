namespace AirRemediation.Engine.Diagnostics;

/// <summary>
/// Text from outside (subjects, sender and rule names, alert titles, proposers' summaries) made safe to show in a prompt
/// or a message: control characters and the Unicode bidirectional controls that can reorder what a reader sees
/// ("Trojan Source") are written as visible escapes, so what the admin reads is what the text is.
/// </summary>
public static class DisplayText
{
    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        StringBuilder? b = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c))
            {
                b?.Append(c);
                continue;
            }
            b ??= new StringBuilder(text, 0, i, text.Length + 16);
            b.Append("\\u{").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append('}');
        }
        return b?.ToString() ?? text;
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c)
        || c is '\u061C' or '\u200E' or '\u200F'                  // Arabic letter mark, LRM, RLM
        || c is >= '\u202A' and <= '\u202E'                       // LRE, RLE, PDF, LRO, RLO
        || c is >= '\u2066' and <= '\u2069'                       // LRI, RLI, FSI, PDI
        || c is '\u2028' or '\u2029';                             // line and paragraph separators
}
