namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>How a block adds entries: the expiry (Microsoft's 30 days when neither is set), a note, and whether an existing entry gets the new expiry.</summary>
internal sealed record TablAddOptions(DateTimeOffset? ExpiresOn = null, bool NoExpiration = false, string? Note = null, bool UpdateExpiry = false)
{
    /// <summary>Microsoft's default lifetime of a block entry without an explicit expiry.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);
}
