namespace AirRemediation.Engine.Http;

/// <summary>How the executor paces and retries. Defaults follow Microsoft's Outlook limits (4 concurrent requests per mailbox).</summary>
public sealed record RetryOptions
{
    /// <summary>Requests in flight per mailbox; Graph serves at most 4 per app and mailbox and answers the 5th with 429.</summary>
    public int PerMailboxConcurrency { get; init; } = 4;

    /// <summary>
    /// Exchange admin API requests in flight per session. Exchange limits concurrent admin API requests per tenant (its
    /// limit is not published; public clients retry its "maximum number of concurrent requests per tenant" answer), so a
    /// run does not send more than this at once; a busy answer pauses every Exchange request of the session.
    /// </summary>
    public int ExchangeConcurrency { get; init; } = 3;

    /// <summary>Requests in flight across all mailboxes.</summary>
    public int GlobalConcurrency { get; init; } = 96;

    /// <summary>Mailboxes worked on at once (each is scanned, then its messages are moved).</summary>
    public int MailboxParallelism { get; init; } = 48;

    /// <summary>Attempts for 5xx, timeouts and dropped connections before an item fails.</summary>
    public int MaxTransientAttempts { get; init; } = 10;

    /// <summary>First backoff step for 5xx/timeouts without Retry-After; doubled per attempt, with ±50% jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest computed backoff step.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest Retry-After honoured as given; a longer one is capped here, with a warning.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>App-wide requests per second the pacer starts at once <see cref="InitialWindow"/> is spent (doubled every half
    /// second while it is used, until the service throttles). 400 was measured before the window existed: the wide-tenant
    /// run 0.5 s faster, but the default bench case at 1.45% 429s; the window now does what 400 did for small runs.</summary>
    public double InitialRate { get; init; } = 200;

    /// <summary>
    /// Requests a session sends before the app-wide pacer starts (TCP's initial window), unless the service throttles the
    /// app first. Graph's documented global limit is 130,000 requests per 10 s per app (graph-and-exchange.md section 9),
    /// so 1,000 at once is under 1% of it; the per-mailbox gates still apply. A targeted cluster soft delete (a few hundred
    /// mailboxes: one search and one move each) then runs at the speed of its round trips instead of waiting on slow start.
    /// </summary>
    public long InitialWindow { get; init; } = 1_000;

    /// <summary>Never go slower than this many requests per second app-wide.</summary>
    public double MinRate { get; init; } = 5;

    /// <summary>Never go faster than this many requests per second app-wide.</summary>
    public double MaxRate { get; init; } = 20_000;

    /// <summary>Total time one request may spend waiting on throttling before its item fails as Throttled.</summary>
    public TimeSpan MaxThrottleWait { get; init; } = TimeSpan.FromMinutes(30);
}
