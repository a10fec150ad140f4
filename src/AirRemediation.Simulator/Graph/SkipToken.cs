namespace AirRemediation.Simulator.Graph;

/// <summary>Opaque directory-style page tokens (clients must not build them; only follow nextLink).</summary>
public static class SkipToken
{
    const string Prefix = "RFNwdAIAAQAAA";

    public static string Encode(int offset) =>
        Prefix + Convert.ToBase64String(Encoding.ASCII.GetBytes("off:" + offset.ToString(CultureInfo.InvariantCulture) + ":airsim")).TrimEnd('=');

    public static bool TryDecode(string token, out int offset)
    {
        offset = 0;
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var b64 = token[Prefix.Length..];
        b64 += (b64.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(b64)).Split(':');
            return parts.Length == 3 && parts[0] == "off" && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out offset) && offset >= 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
