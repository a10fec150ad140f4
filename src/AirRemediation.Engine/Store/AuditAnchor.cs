namespace AirRemediation.Engine.Store;

/// <summary>
/// The trail's head as a value kept outside the store (a SIEM, a runbook's log, an alert comment): <c>seq:hash</c> of an
/// entry. A later check finds that entry unchanged, or says the trail was rewritten or truncated since.
/// </summary>
public static class AuditAnchor
{
    public static string Format(long seq, string hash) => seq.ToString(CultureInfo.InvariantCulture) + ":" + hash;

    /// <summary>Reads <c>seq:hash</c> (hash: 64 hex digits); a clear error naming the value otherwise.</summary>
    public static (long Seq, string Hash) Parse(string anchor)
    {
        var parts = (anchor ?? "").Trim().Split(':');
        if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            && parts[1].Length == 64 && parts[1].All(Uri.IsHexDigit))
            return (seq, parts[1].ToLowerInvariant());
        throw new AirException(AirErrorKind.InvalidInput,
            $"'{anchor}' is not a trail head: expected '<entry number>:<64 hex digits>', as Test-AirAuditTrail reports it in Head.");
    }
}
