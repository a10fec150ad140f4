using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Faults;

/// <summary>Decides, from one seeded generator, which requests fail and how. Settings can be replaced at run time.</summary>
public sealed class FaultInjector(FaultSettings initial, int seed, TimeProvider clock)
{
    readonly Random random = new(seed);
    readonly Lock gate = new();
    FaultSettings settings = initial;

    public FaultSettings Settings
    {
        get
        {
            lock (gate) return settings;
        }
    }

    public void Replace(FaultSettings next)
    {
        var now = clock.GetUtcNow();
        foreach (var s in next.Storms) s.StartedAt ??= now;
        lock (gate) settings = next;
    }

    double Next()
    {
        lock (gate) return random.NextDouble();
    }

    int NextInt(int max)
    {
        lock (gate) return random.Next(max);
    }

    /// <summary>A random 500/502/503, or 0 for none.</summary>
    public int RollServerError()
    {
        var rate = Settings.ServerErrorRate;
        if (rate <= 0 || Next() >= rate) return 0;
        return NextInt(3) switch { 0 => 500, 1 => 502, _ => 503 };
    }

    public bool RollGatewayTimeout()
    {
        var rate = Settings.AppliedButGatewayTimeoutRate;
        return rate > 0 && Next() < rate;
    }

    /// <summary>Null = keep the connection; false = drop before applying; true = drop after applying.</summary>
    public bool? RollDrop()
    {
        var rate = Settings.DropConnectionRate;
        if (rate <= 0 || Next() >= rate) return null;
        return NextInt(2) == 1;
    }

    /// <summary>The storm covering any of these mailbox keys (UPN, mail or user id), if one is active now.</summary>
    public StormSpec? ActiveStorm(IEnumerable<string> mailboxKeys)
    {
        var storms = Settings.Storms;
        if (storms.Count == 0) return null;
        var now = clock.GetUtcNow();
        var keys = mailboxKeys.ToList();
        foreach (var s in storms)
        {
            var start = s.StartedAt ?? now;
            if (now >= start + TimeSpan.FromSeconds(s.DurationSeconds)) continue;
            if (s.Mailboxes.Any(m => keys.Contains(m, StringComparer.OrdinalIgnoreCase))) return s;
        }
        return null;
    }
}
