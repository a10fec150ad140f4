namespace AirRemediation.Simulator.Limits;

/// <summary>A sliding-window request log: at most Limit entries within Window. Not thread-safe; callers lock.</summary>
public sealed class SlidingWindow
{
    readonly Queue<long> stamps = new();

    public int Count => stamps.Count;

    /// <summary>Drops entries older than the window; returns how long until a slot frees (zero when one is free).</summary>
    public TimeSpan Check(DateTimeOffset now, int limit, TimeSpan window)
    {
        var cutoff = (now - window).UtcTicks;
        while (stamps.Count > 0 && stamps.Peek() <= cutoff) stamps.Dequeue();
        if (stamps.Count < limit) return TimeSpan.Zero;
        // The oldest entries must age out until one slot is free.
        var oldestThatMustExpire = stamps.ElementAt(stamps.Count - limit);
        return TimeSpan.FromTicks(oldestThatMustExpire - cutoff);
    }

    public void Add(DateTimeOffset now) => stamps.Enqueue(now.UtcTicks);
}
