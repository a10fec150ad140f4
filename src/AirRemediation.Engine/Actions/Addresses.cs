using System.Text.RegularExpressions;

namespace AirRemediation.Engine.Actions;

/// <summary>Input checks for mailbox addresses, domains and internet message ids, with messages that name the input.</summary>
public static partial class Addresses
{
    public static bool IsEmailAddress(string value) => EmailPattern().IsMatch(value) && IsDomain(value[(value.LastIndexOf('@') + 1)..]);

    public static bool IsDomain(string value)
    {
        if (value.Length is 0 or > 253 || !value.Contains('.', StringComparison.Ordinal)) return false;
        return value.Split('.').All(label => label.Length is > 0 and <= 63 && LabelPattern().IsMatch(label));
    }

    /// <summary>A normalised mailbox address (trimmed, lower case), or an InvalidInput error saying what is wrong with it.</summary>
    public static string NormalizeMailbox(string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
            throw new AirException(AirErrorKind.InvalidInput, "A mailbox address is empty.", value);
        if (!v.Contains('@', StringComparison.Ordinal))
            throw new AirException(AirErrorKind.InvalidInput, $"Mailbox '{v}' is not a user principal name or SMTP address (it has no '@').", v);
        if (!IsEmailAddress(v))
            throw new AirException(AirErrorKind.InvalidInput, $"Mailbox '{v}' is not a valid user principal name or SMTP address.", v);
        return v.ToLower(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Internet message ids look like &lt;local@domain&gt; (RFC 5322). The brackets are part of the id Graph stores;
    /// we add them when missing. Quotes are legal in the local part and are escaped in the filter, not refused.
    /// </summary>
    public static string NormalizeInternetMessageId(string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
            throw new AirException(AirErrorKind.InvalidInput, "An internet message id is empty.", value);
        if (!v.StartsWith('<')) v = "<" + v;
        if (!v.EndsWith('>')) v += ">";
        ValidateInternetMessageId(v);
        return v;
    }

    public static void ValidateInternetMessageId(string v)
    {
        if (v.Length > 998)
            throw new AirException(AirErrorKind.InvalidInput, $"Internet message id '{v[..40]}…' is longer than an RFC 5322 line.", v);
        var inner = v.Trim('<', '>');
        if (inner.Length == 0 || inner.Contains('<', StringComparison.Ordinal) || inner.Contains('>', StringComparison.Ordinal)
            || inner.Any(char.IsWhiteSpace) || inner.Any(char.IsControl))
            throw new AirException(AirErrorKind.InvalidInput,
                $"Internet message id '{v}' is malformed: it must be one <local@domain> token without spaces or nested angle brackets.", v);
    }

    [GeneratedRegex(@"^[^@\s""<>()\[\],;:\\]+@[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^(xn--)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$")]
    private static partial Regex LabelPattern();
}
