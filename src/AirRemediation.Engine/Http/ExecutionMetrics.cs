namespace AirRemediation.Engine.Http;

/// <summary>Request counters of one run (or of a whole session), read by progress reporting, summaries and the benchmark. Thread-safe.</summary>
public sealed class ExecutionMetrics
{
    private long requests;
    private long throttled;
    private long throttleWaits;
    private long retries;
    private long transientFailures;

    public long Requests => Interlocked.Read(ref requests);
    /// <summary>429 answers received.</summary>
    public long Throttled => Interlocked.Read(ref throttled);
    /// <summary>Requests that had to wait for a mailbox's Retry-After.</summary>
    public long ThrottleWaits => Interlocked.Read(ref throttleWaits);
    public long Retries => Interlocked.Read(ref retries);
    public long TransientFailures => Interlocked.Read(ref transientFailures);

    internal void AddRequest() => Interlocked.Increment(ref requests);
    internal void AddThrottled() => Interlocked.Increment(ref throttled);
    internal void AddThrottleWait() => Interlocked.Increment(ref throttleWaits);
    internal void AddRetry() => Interlocked.Increment(ref retries);
    internal void AddTransient() => Interlocked.Increment(ref transientFailures);
}

/// <summary>The session's totals and, while a run measures itself, that run's counters: every event counts in both.</summary>
internal readonly struct MetricsPair(ExecutionMetrics totals, ExecutionMetrics? run)
{
    public void AddRequest() { totals.AddRequest(); run?.AddRequest(); }
    public void AddThrottled() { totals.AddThrottled(); run?.AddThrottled(); }
    public void AddThrottleWait() { totals.AddThrottleWait(); run?.AddThrottleWait(); }
    public void AddRetry() { totals.AddRetry(); run?.AddRetry(); }
    public void AddTransient() { totals.AddTransient(); run?.AddTransient(); }
}
