namespace AirRemediation.Engine.Http;

/// <summary>
/// One mailbox's share of the service: at most N requests in flight, and a pause that holds every request for this
/// mailbox back until its Retry-After has passed, while other mailboxes carry on.
/// </summary>
internal sealed class MailboxGate(int slots, TimeProvider clock)
{
    private readonly SemaphoreSlim slots = new(slots, slots);
    private long pausedUntilTicks;

    public DateTimeOffset PausedUntil => new(Interlocked.Read(ref pausedUntilTicks), TimeSpan.Zero);

    public void PauseUntil(DateTimeOffset until)
    {
        var ticks = until.UtcTicks;
        long seen;
        do
        {
            seen = Interlocked.Read(ref pausedUntilTicks);
            if (seen >= ticks) return;
        } while (Interlocked.CompareExchange(ref pausedUntilTicks, ticks, seen) != seen);
    }

    /// <summary>Waits out any pause, then takes a slot; re-checks the pause after getting the slot.</summary>
    public async Task<bool> EnterAsync(CancellationToken ct)
    {
        var waited = false;
        while (true)
        {
            waited |= await WaitForPauseAsync(ct).ConfigureAwait(false);
            await slots.WaitAsync(ct).ConfigureAwait(false);
            if (clock.GetUtcNow() >= PausedUntil) return waited;
            slots.Release();
        }
    }

    public void Exit() => slots.Release();

    private async Task<bool> WaitForPauseAsync(CancellationToken ct)
    {
        var waited = false;
        while (true)
        {
            var wait = PausedUntil - clock.GetUtcNow();
            if (wait <= TimeSpan.Zero) return waited;
            waited = true;
            // Whole milliseconds, rounded up: timers round a sub-millisecond wait down to zero, which would spin here.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), clock, ct).ConfigureAwait(false);
        }
    }
}
