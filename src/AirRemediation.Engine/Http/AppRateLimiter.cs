namespace AirRemediation.Engine.Http;

/// <summary>
/// The app-wide request rate, found rather than configured: Graph's per-app limit is not advertised, and a run that
/// overshoots it earns 429s for every mailbox at once. Starts at <see cref="RetryOptions.InitialRate"/>, doubles
/// every half second while at least half of it is used, until the service first throttles the app (slow start), then cuts to 80% of what was
/// actually achieved and grows by 2% a second (additive increase, multiplicative decrease). Requests are released by
/// a token bucket holding at most 50 ms of rate, so recovery after a cut never comes as a burst.
/// </summary>
internal sealed class AppRateLimiter(RetryOptions options, TimeProvider clock)
{
    private readonly object gate = new();
    private readonly long started = clock.GetTimestamp();
    private double rate = options.InitialRate;
    // The bucket starts full (its capacity is 50 ms of the rate, at least one request).
    private double tokens = Math.Max(1, options.InitialRate * 0.05);
    private double lastRefill;
    private double lastChange;
    private bool slowStart = true;
    // Completions per 100 ms slot over the last second, to know the rate actually achieved.
    private readonly long[] slots = new long[10];
    private long slotIndex;
    private double firstCompletion = -1;

    public double CurrentRate { get { lock (gate) return rate; } }
    public long Cuts { get; private set; }

    // The session clock, not a stopwatch: the rate and the waits it causes run on the same (injectable) time.
    private double Now => clock.GetElapsedTime(started).TotalSeconds;

    public async Task WaitAsync(CancellationToken ct)
    {
        while (true)
        {
            TimeSpan wait;
            lock (gate)
            {
                var now = Now;
                Grow(now);
                var capacity = Math.Max(1, rate * 0.05);
                tokens = Math.Min(capacity, tokens + (now - lastRefill) * rate);
                lastRefill = now;
                if (tokens >= 1)
                {
                    tokens -= 1;
                    return;
                }
                wait = TimeSpan.FromSeconds((1 - tokens) / rate);
            }
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, clock, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A request finished (any status but an app-wide 429).</summary>
    public void Completed()
    {
        var slot = (long)(Now * 10);
        lock (gate)
        {
            Advance(slot);
            slots[slot % slots.Length]++;
            if (firstCompletion < 0) firstCompletion = Now;
        }
    }

    /// <summary>The service throttled the app as a whole: cut to 80% of the achieved rate.</summary>
    public void Throttled()
    {
        lock (gate)
        {
            var now = Now;
            // One cut per 200 ms: the 429s of one overshoot arrive together and describe one event.
            if (!slowStart && now - lastChange < 0.2) return;
            Advance((long)(now * 10));
            // Completions in the last second ≈ requests per second; early in a run the window is not a second old yet,
            // and dividing by a full second would read a fraction of the real rate (and cut far below it).
            var window = firstCompletion < 0 ? 1.0 : Math.Clamp(now - firstCompletion, 0.1, 1.0);
            var achieved = slots.Sum() / window;
            var basis = achieved > 0 ? Math.Min(rate, achieved) : rate;
            rate = Math.Max(options.MinRate, basis * 0.8);
            tokens = Math.Min(tokens, 0);
            slowStart = false;
            lastChange = now;
            Cuts++;
        }
    }

    private void Grow(double now)
    {
        if (now - lastChange < (slowStart ? 0.5 : 1.0)) return;
        lastChange = now;
        if (slowStart)
        {
            // Grow only a rate that is being used (TCP's rule for a window that is not full): while the work cannot yet
            // fill it (sign-in, the first pages of users), doubling on the clock alone would reach several times the
            // service's limit unseen, and the first real burst would then overshoot it by all of that at once.
            Advance((long)(now * 10));
            var window = firstCompletion < 0 ? 1.0 : Math.Clamp(now - firstCompletion, 0.1, 1.0);
            if (slots.Sum() / window < rate * 0.5) return;
        }
        rate = Math.Min(options.MaxRate, slowStart ? rate * 2 : rate * 1.02);
    }

    private void Advance(long slot)
    {
        if (slot <= slotIndex) return;
        for (var s = Math.Max(slotIndex + 1, slot - slots.Length + 1); s <= slot; s++) slots[s % slots.Length] = 0;
        slotIndex = slot;
    }
}
