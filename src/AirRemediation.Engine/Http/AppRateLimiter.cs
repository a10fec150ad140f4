namespace AirRemediation.Engine.Http;

/// <summary>
/// The app-wide request rate, found rather than configured: Graph's per-app limit is not advertised, and a run that
/// overshoots it earns 429s for every mailbox at once. Starts at <see cref="RetryOptions.InitialRate"/>, doubles
/// every half second while at least half of it is used, until the service first throttles the app (slow start), then cuts to half of what was
/// actually achieved; every later 429 cuts to 80%. After a cut it grows by 10% a second back to 90% of the rate the
/// service refused, then by 2% a second (additive increase, multiplicative decrease).
/// Requests are released by a token bucket holding at most 50 ms of rate, so recovery after a cut never comes as a burst.
/// The first <see cref="RetryOptions.InitialWindow"/> requests of a session are not paced at all (TCP's initial window):
/// a small run finishes at the speed of its round trips, and a large one is paced from there on.
/// </summary>
/// <remarks>
/// Why half on leaving slow start: the service says nothing until its burst allowance is gone, and by then slow start
/// has taken the client well past the limit; what it "achieved" in the last second includes that allowance. 80% of it
/// stayed above the limit (a second round of 429s 200 ms later, measured in the default bench case: docs/PERFORMANCE.md);
/// half of it is under the limit unless the client was sending more than twice the limit when it first heard of it.
/// </remarks>
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
    // The rate the last cut was taken from (what the service had just refused): growth is quick below 90% of it, slow above.
    private double ceiling;
    // Requests the session may still send before pacing starts; a 429 from the service ends the window.
    private long window = options.InitialWindow;
    // Completions per 100 ms slot over the last second, to know the rate actually achieved.
    private readonly long[] slots = new long[10];
    private long slotIndex;
    private double firstCompletion = -1;

    public double CurrentRate { get { lock (gate) return rate; } }
    /// <summary>Requests left in the initial window (0 once spent or ended by a 429).</summary>
    public long InitialWindowLeft { get { lock (gate) return window; } }
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
                if (window > 0)
                {
                    window--;
                    return;
                }
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
            var achieved = Achieved(now);
            // In slow start the rate that overshot is the one sent at (more than the pacer's rate while the initial window
            // lasted); later, the lower of the pacer's rate and what it achieved (a rate never used is no basis to cut from).
            var basis = achieved <= 0 ? rate : slowStart ? achieved : Math.Min(rate, achieved);
            rate = Math.Max(options.MinRate, basis * (slowStart ? 0.5 : 0.8));
            ceiling = basis;
            tokens = Math.Min(tokens, 0);
            window = 0;
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
            if (Achieved(now) < rate * 0.5) return;
        }
        // After a cut: back quickly (10% a second) to 90% of the rate the service last refused, then 2% a second beyond it.
        var step = slowStart ? 2 : rate < ceiling * 0.9 ? 1.1 : 1.02;
        rate = Math.Min(options.MaxRate, rate * step);
    }

    /// <summary>Requests completed per second over the last second. Early in a run that second is not over yet, and
    /// dividing by a full one would read a fraction of the real rate (and cut far below it).</summary>
    private double Achieved(double now)
    {
        Advance((long)(now * 10));
        var span = firstCompletion < 0 ? 1.0 : Math.Clamp(now - firstCompletion, 0.1, 1.0);
        return slots.Sum() / span;
    }

    private void Advance(long slot)
    {
        if (slot <= slotIndex) return;
        for (var s = Math.Max(slotIndex + 1, slot - slots.Length + 1); s <= slot; s++) slots[s % slots.Length] = 0;
        slotIndex = slot;
    }
}
