using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Limits;

/// <summary>Per-app limits that are not per mailbox: Graph's global token bucket and the /security 150-per-minute window.</summary>
public sealed class AppRateLimiter(Func<LimitSettings> settings, TimeProvider clock)
{
    sealed class Bucket
    {
        public double Tokens = double.NaN;
        public long LastTicks;
        public readonly SlidingWindow Security = new();
    }

    readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes one token from the app's bucket; returns the wait when empty.</summary>
    public TimeSpan TakeGlobal(string app)
    {
        var s = settings();
        var b = buckets.GetOrAdd(app, _ => new Bucket());
        var now = clock.GetUtcNow().UtcTicks;
        lock (b)
        {
            if (double.IsNaN(b.Tokens))
            {
                b.Tokens = s.AppBurst;
                b.LastTicks = now;
            }
            b.Tokens = Math.Min(s.AppBurst, b.Tokens + (now - b.LastTicks) / (double)TimeSpan.TicksPerSecond * s.AppRequestsPerSecond);
            b.LastTicks = now;
            if (b.Tokens >= 1)
            {
                b.Tokens -= 1;
                return TimeSpan.Zero;
            }
            return TimeSpan.FromSeconds((1 - b.Tokens) / s.AppRequestsPerSecond);
        }
    }

    public TimeSpan TakeSecurity(string app)
    {
        var s = settings();
        var b = buckets.GetOrAdd(app, _ => new Bucket());
        var now = clock.GetUtcNow();
        lock (b)
        {
            var wait = b.Security.Check(now, s.SecurityRequestsPerMinute, TimeSpan.FromMinutes(1));
            if (wait == TimeSpan.Zero)
            {
                b.Security.Add(now);
                return wait;
            }
            if (s.CountThrottledRequests)
            {
                b.Security.Add(now);
                wait = b.Security.Check(now, s.SecurityRequestsPerMinute, TimeSpan.FromMinutes(1));
            }
            return wait;
        }
    }

    public void Reset() => buckets.Clear();
}
