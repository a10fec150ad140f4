using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;

namespace AirRemediation.Engine.Tests.Harness;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also records every wait the code under test asks it for — how long, from when,
/// and which Engine or simulator type asked (the mailbox gate, the retry loop, the lease heartbeat…) — so a test proves
/// "it waited exactly the Retry-After" from what was requested, and time moves on only when the test moves it. The fake
/// clock never reads the wall clock.
/// </summary>
/// <remarks>
/// Give one instance to the simulator (SimulatorOptions.Clock) and to the session, and both agree on what "now" is:
/// a storm's end, a Retry-After, a token's expiry and the client's pause all run on the same time line. Waits still
/// pending never end by themselves: a session on this clock must not depend on any wait the test does not drive (see
/// <see cref="FaultTenant.Unpaced"/>). <see cref="Recording"/> makes one over the real clock instead, for the one test
/// whose subject measures real time itself: its waits take real time, and what was asked for is still recorded.
/// </remarks>
internal sealed class TestClock : TimeProvider
{
    /// <summary>A whole second, so an HTTP date (one-second resolution) names exactly "now + n s".</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider inner;
    private readonly FakeTimeProvider? fake;
    private readonly DateTimeOffset started;
    private readonly Lock gate = new();
    private readonly List<Wait> waits = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A fake clock at <paramref name="start"/> (default <see cref="Start"/>) that moves only when the test moves it.</summary>
    public TestClock(DateTimeOffset? start = null)
        : this(new FakeTimeProvider(start ?? Start))
    {
    }

    private TestClock(TimeProvider inner)
    {
        this.inner = inner;
        fake = inner as FakeTimeProvider;
        started = inner.GetUtcNow();
    }

    /// <summary>The real clock, with every wait asked of it recorded.</summary>
    public static TestClock Recording() => new(TimeProvider.System);

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
    public override long GetTimestamp() => inner.GetTimestamp();
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    /// <summary>Time moved on by the test since the clock was made (fake clock only).</summary>
    public TimeSpan Moved => Fake.GetUtcNow() - started;

    private FakeTimeProvider Fake => fake ?? throw new InvalidOperationException("Only a fake clock is moved by the test.");

    /// <summary>Called as a wait ends, before the code that waited goes on (to note what the service had seen by then).</summary>
    public Action<Wait>? WhenFired { get; set; }

    /// <summary>Every wait requested so far, in the order asked.</summary>
    public IReadOnlyList<Wait> Waits
    {
        get
        {
            lock (gate) return [.. waits];
        }
    }

    /// <summary>The waits requested by <typeparamref name="T"/> (e.g. MailboxGate: a mailbox's Retry-After pause).</summary>
    public IReadOnlyList<Wait> WaitsOf<T>() => [.. Waits.Where(w => w.Waiter == typeof(T))];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var wait = new Wait(WaiterOf(new StackTrace(1, false)), dueTime, inner.GetUtcNow(), started);
        var timer = inner.CreateTimer(s =>
        {
            wait.Fired = true;
            WhenFired?.Invoke(wait);
            callback(s);
        }, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            TaskCompletionSource signal;
            lock (gate)
            {
                wait.Index = waits.Count;
                waits.Add(wait);
                signal = changed;
                changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            signal.TrySetResult();
        }
        return new TrackedTimer(timer, wait);
    }

    /// <summary>Moves time on, firing every wait that ends by then.</summary>
    public void Advance(TimeSpan by) => Fake.Advance(by);

    /// <summary>
    /// Moves time to just past the end of <paramref name="wait"/> as the code meant it. Task.Delay keeps whole
    /// milliseconds (a wait of 264.7 ms asks the clock for 264 ms), so the code may have meant up to a millisecond more
    /// than <see cref="Wait.Due"/>; code that re-checks its deadline after the wait (the mailbox gate does) would
    /// otherwise find a fraction of a millisecond left, which Task.Delay completes at once, and spin.
    /// </summary>
    public void AdvancePast(Wait wait)
    {
        var by = wait.EndsAt + TimeSpan.FromMilliseconds(1) - TimeSpan.FromTicks(1) - Fake.GetUtcNow();
        if (by > TimeSpan.Zero) Fake.Advance(by);
    }

    /// <summary>
    /// The first wait (from index <paramref name="from"/> on) that matches, as soon as it is requested. Waiting for it is
    /// waiting for an event of the code under test, never for time to pass; the timeout turns a hang into a failure.
    /// </summary>
    public Task<Wait> NextWaitAsync(Func<Wait, bool> match, int from = 0, CancellationToken ct = default) =>
        FirstMatchAsync(match, from).WaitAsync(TimeSpan.FromSeconds(60), ct);

    private async Task<Wait> FirstMatchAsync(Func<Wait, bool> match, int from)
    {
        while (true)
        {
            Task signal;
            lock (gate)
            {
                for (var i = from; i < waits.Count; i++)
                    if (match(waits[i])) return waits[i];
                signal = changed.Task;
            }
            await signal.ConfigureAwait(false);
        }
    }

    /// <summary>The next wait <typeparamref name="T"/> requests from index <paramref name="from"/> on.</summary>
    public Task<Wait> NextWaitOfAsync<T>(int from = 0, CancellationToken ct = default) => NextWaitAsync(w => w.Waiter == typeof(T), from, ct);

    /// <summary>
    /// Runs one flow of work (a single call, no background loops) to its end: whenever it is blocked on this clock,
    /// time moves to the end of the earliest pending wait — as if the wall clock had passed exactly that long.
    /// </summary>
    public Task<T> DriveAsync<T>(Task<T> work, TimeSpan? timeout = null) => DriveCoreAsync(work).WaitAsync(timeout ?? TimeSpan.FromSeconds(60));

    private async Task<T> DriveCoreAsync<T>(Task<T> work)
    {
        Wait? last = null;
        while (!work.IsCompleted)
        {
            Task signal;
            Wait? next;
            lock (gate)
            {
                signal = changed.Task;
                next = waits.Where(w => w.IsPending).MinBy(w => w.EndsAt);
            }
            if (next is null)
            {
                // Not blocked on the clock: the flow is working (or about to ask for its next wait).
                await Task.WhenAny(work, signal).ConfigureAwait(false);
                continue;
            }
            if (ReferenceEquals(next, last))
            {
                // Still pending after time was moved past its recorded end: its timer was created while another
                // flow's wait moved the clock, so its real end is later than recorded. Nudge time on.
                Fake.Advance(TimeSpan.FromMilliseconds(1));
            }
            else
            {
                AdvancePast(next);
            }
            last = next;
            await Task.Yield();
        }
        return await work.ConfigureAwait(false);
    }

    /// <summary>The Engine or simulator type whose code asked for the timer (async state machines unwrapped).</summary>
    private static Type? WaiterOf(StackTrace trace)
    {
        foreach (var frame in trace.GetFrames())
        {
            var type = frame.GetMethod()?.DeclaringType;
            while (type is { IsNested: true } && type.IsDefined(typeof(CompilerGeneratedAttribute), false)) type = type.DeclaringType;
            var ns = type?.Namespace;
            if (ns is null || !ns.StartsWith("AirRemediation.", StringComparison.Ordinal) || ns.StartsWith("AirRemediation.Engine.Tests", StringComparison.Ordinal)) continue;
            return type;
        }
        return null;
    }

    /// <summary>One wait the code asked for (in whole milliseconds: Task.Delay drops the fraction).</summary>
    internal sealed class Wait(Type? waiter, TimeSpan due, DateTimeOffset requestedAt, DateTimeOffset clockStart)
    {
        public int Index { get; set; } = -1;
        public Type? Waiter { get; } = waiter;
        public TimeSpan Due { get; } = due;
        public DateTimeOffset RequestedAt { get; } = requestedAt;
        public DateTimeOffset EndsAt => RequestedAt + Due;
        public volatile bool Fired;
        public volatile bool Cancelled;
        public bool IsPending => !Fired && !Cancelled;

        public override string ToString() => $"{Waiter?.Name ?? "?"} {Due.TotalMilliseconds:0.###} ms at +{(RequestedAt - clockStart).TotalMilliseconds:0.###} ms{(Fired ? " (fired)" : Cancelled ? " (cancelled)" : "")}";
    }

    private sealed class TrackedTimer(ITimer inner, Wait wait) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            if (!wait.Fired) wait.Cancelled = true;
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            if (!wait.Fired) wait.Cancelled = true;
            return inner.DisposeAsync();
        }
    }
}
