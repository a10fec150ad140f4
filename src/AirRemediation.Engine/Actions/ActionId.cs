namespace AirRemediation.Engine.Actions;

/// <summary>
/// Action ids: <c>A-</c> followed by 10 characters of Crockford base32 (no I, L, O, U), 50 random bits.
/// Short enough to type, random enough that the store's insert rarely has to retry on a collision.
/// </summary>
public static class ActionId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const int Length = 10;

    /// <summary>A new random id.</summary>
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        ulong v = BitConverter.ToUInt64(bytes);
        Span<char> chars = stackalloc char[2 + Length];
        chars[0] = 'A';
        chars[1] = '-';
        for (int i = 0; i < Length; i++)
        {
            chars[2 + i] = Alphabet[(int)(v & 31)];
            v >>= 5;
        }
        return new string(chars);
    }

    /// <summary>
    /// Normalises what a person typed (case, a missing <c>A-</c>, O for 0, I/L for 1) into the stored form.
    /// Returns false when it cannot be an action id.
    /// </summary>
    public static bool TryNormalize(string? input, out string id)
    {
        id = string.Empty;
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }
        var s = input.Trim().ToUpperInvariant();
        if (s.StartsWith("A-", StringComparison.Ordinal))
        {
            s = s[2..];
        }
        if (s.Length != Length)
        {
            return false;
        }
        Span<char> chars = stackalloc char[2 + Length];
        chars[0] = 'A';
        chars[1] = '-';
        for (int i = 0; i < Length; i++)
        {
            char c = s[i] switch { 'O' => '0', 'I' or 'L' => '1', var x => x };
            if (Alphabet.IndexOf(c, StringComparison.Ordinal) < 0)
            {
                return false;
            }
            chars[2 + i] = c;
        }
        id = new string(chars);
        return true;
    }

    /// <summary>Like <see cref="TryNormalize"/>, throwing AirException (InvalidInput) with a readable message.</summary>
    public static string Normalize(string? input) =>
        TryNormalize(input, out var id)
            ? id
            : throw new AirException(AirErrorKind.InvalidInput,
                $"'{input}' is not an action id. Action ids look like A-7K3M9QX2PD (A- and 10 letters or digits).", input);
}
