namespace AirRemediation.Simulator.Exchange;

/// <summary>
/// The continuations InvokeCommand hands out as <c>@odata.nextLink</c>. Live, the <c>$skiptoken</c> names a cursor the
/// service keeps, and a link it no longer honours is answered 400 "Expired or Invalid pagination request. Default Expiry
/// time is 00:30:00" (Microsoft Q&amp;A 1023619 with the full body; rknightion/graph2otel saw it even on an immediate
/// replay). The simulator takes the strict reading, so a client that pages carelessly fails here before it fails live:
/// a link works once, for the caller and cmdlet it was issued to, within
/// <see cref="Scenario.LimitSettings.ExchangeNextLinkLifetimeSeconds"/> of being issued on the simulator's clock.
/// A replayed, expired, unknown or forged token gets that answer (docs/SIMULATOR.md, section 4 and open question 19).
/// </summary>
public sealed class ExchangePageLinks(TimeProvider clock)
{
    /// <summary>Looks like Exchange's tokens do to a client: opaque; only what this registry issued is honoured.</summary>
    const string Prefix = "airsim-page-";

    /// <summary>Above this many open links, expired ones are dropped as new ones are issued (memory stays flat).</summary>
    const int PruneAbove = 256;

    sealed record Cursor(int Offset, DateTimeOffset ExpiresAt, string Caller, string Cmdlet);

    readonly ConcurrentDictionary<string, Cursor> cursors = new(StringComparer.Ordinal);

    /// <summary>Links issued and not yet used or dropped.</summary>
    public int Open => cursors.Count;

    /// <summary>A new token for the page starting at <paramref name="offset"/>, valid once for <paramref name="lifetime"/> from now.</summary>
    public string Issue(int offset, string caller, string cmdlet, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        if (cursors.Count > PruneAbove)
        {
            foreach (var (key, c) in cursors)
            {
                if (now > c.ExpiresAt) cursors.TryRemove(key, out _);
            }
        }
        var token = Prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        cursors[token] = new Cursor(offset, now + lifetime, caller, cmdlet);
        return token;
    }

    /// <summary>
    /// The offset the token continues at, or null when it is not (any longer) a valid continuation for this caller and
    /// cmdlet. Either way the token is spent: a second use of the same link is refused like a forged one.
    /// </summary>
    public int? Redeem(string token, string caller, string cmdlet)
    {
        if (!cursors.TryRemove(token, out var c)) return null;
        if (clock.GetUtcNow() > c.ExpiresAt) return null;
        if (!string.Equals(c.Caller, caller, StringComparison.Ordinal) || !string.Equals(c.Cmdlet, cmdlet, StringComparison.OrdinalIgnoreCase)) return null;
        return c.Offset;
    }

    /// <summary>Who a link belongs to: the app, and the signed-in user for delegated calls.</summary>
    public static string CallerOf(Identity.AccessPrincipal p) => p.AppId + "|" + (p.IsApp ? "" : p.ObjectId);
}
