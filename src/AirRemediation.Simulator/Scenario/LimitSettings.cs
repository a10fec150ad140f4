namespace AirRemediation.Simulator.Scenario;

/// <summary>Throttling limits. Defaults are Microsoft's published limits (graph-and-exchange.md section 9).</summary>
public sealed class LimitSettings
{
    /// <summary>Concurrent requests per app + mailbox (Outlook resources).</summary>
    public int MailboxConcurrency { get; set; } = 4;
    /// <summary>Requests per app + mailbox per window.</summary>
    public int MailboxRequestsPerWindow { get; set; } = 10_000;
    /// <summary>Window length; 600 s is Microsoft's, tests shrink it.</summary>
    public double MailboxWindowSeconds { get; set; } = 600;
    /// <summary>Retry-After sent with a MailboxConcurrency 429.</summary>
    public int ConcurrencyRetryAfterSeconds { get; set; } = 1;
    /// <summary>Per-app request rate across all of Graph (token bucket refill per second).</summary>
    public double AppRequestsPerSecond { get; set; } = 13_000;
    /// <summary>Token bucket size (130,000 requests per 10 s is Graph's global per-app limit).</summary>
    public double AppBurst { get; set; } = 130_000;
    /// <summary>/security requests per app per minute.</summary>
    public int SecurityRequestsPerMinute { get; set; } = 150;
    /// <summary>Graph says usage keeps counting while throttled; so do we unless turned off.</summary>
    public bool CountThrottledRequests { get; set; } = true;
    /// <summary>
    /// Exchange admin API requests in flight per tenant (all apps and users). Above it the request is answered at once
    /// with the plain-text body public clients retry on (GreyCorbel/ExoHelper Invoke-ExoCommand.ps1): "You have reached the
    /// maximum number of concurrent requests per tenant. Please wait and try again." — not a 429, no Retry-After. The
    /// live limit is not published; 3 is a guess on the strict side (docs/SIMULATOR.md, open questions).
    /// </summary>
    public int ExchangeTenantConcurrency { get; set; } = 3;

    /// <summary>The HTTP status of that answer; ExoHelper checks the body precisely because it is not a 429. Unknown live: 400 here.</summary>
    public int ExchangeConcurrencyStatus { get; set; } = 400;

    /// <summary>
    /// How long an InvokeCommand @odata.nextLink stays usable (each link also works once only). graph2otel saw the live
    /// answer "Expired or Invalid pagination request. Default Expiry time is 00:30:00".
    /// </summary>
    public double ExchangeNextLinkLifetimeSeconds { get; set; } = 1800;

    /// <summary>Get-MessageTraceV2 queries per tenant in any <see cref="MessageTraceWindowSeconds"/> (Microsoft: 100 in 5 minutes); tests shrink it.</summary>
    public int MessageTraceQueriesPerWindow { get; set; } = 100;
    /// <summary>The message trace's sliding window.</summary>
    public double MessageTraceWindowSeconds { get; set; } = 300;
    public int LatencyMs { get; set; }
    public int JitterMs { get; set; }

    public LimitSettings Clone() => (LimitSettings)MemberwiseClone();
}
