namespace AirRemediation.Engine.Tests.Store;

/// <summary>A clock the test moves by hand, so lease expiry and dedupe windows are tested without sleeping.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks;

    public ManualClock(DateTimeOffset start) => _ticks = start.UtcTicks;

    public ManualClock() : this(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
