namespace AirRemediation.Simulator.Tests;

/// <summary>A clock tests move by hand (token expiry, windows). Timers still run on real time.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    long offsetTicks;

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks)) + (DateTimeOffset.UtcNow - created);

    readonly DateTimeOffset created = DateTimeOffset.UtcNow;

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);
}
