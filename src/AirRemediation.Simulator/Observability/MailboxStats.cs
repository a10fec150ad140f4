namespace AirRemediation.Simulator.Observability;

/// <summary>Counters for one mailbox (all apps together). Fields are updated with Interlocked.</summary>
public sealed class MailboxStats
{
    public long Requests;
    public long Throttled;
    public int CurrentConcurrency;
    public int MaxConcurrency;
    /// <summary>Requests that arrived before the Retry-After we had given had passed.</summary>
    public long EarlyRetries;
}
