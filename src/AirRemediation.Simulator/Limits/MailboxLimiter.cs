using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Limits;

/// <summary>
/// Outlook's per app + mailbox limits: N concurrent requests and M requests per sliding window. A rejected request
/// is answered at once (Outlook does not queue), with Retry-After.
/// </summary>
public sealed class MailboxLimiter(Func<LimitSettings> settings, TimeProvider clock)
{
    sealed class Slot
    {
        public int Active;
        public readonly SlidingWindow Window = new();
        public DateTimeOffset NotBefore;
    }

    readonly ConcurrentDictionary<(string App, int Mailbox), Slot> slots = new();

    public sealed class Lease(Action release) : IDisposable
    {
        int done;
        public int ConcurrencyAtEntry { get; init; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0) release();
        }
    }

    /// <summary>Whether this request arrived before the Retry-After we last gave this app for this mailbox.</summary>
    public bool ArrivedEarly(string app, int mailbox)
    {
        var slot = slots.GetOrAdd((app, mailbox), _ => new Slot());
        lock (slot) return clock.GetUtcNow() < slot.NotBefore;
    }

    public void RecordRetryAfter(string app, int mailbox, TimeSpan retryAfter)
    {
        var slot = slots.GetOrAdd((app, mailbox), _ => new Slot());
        lock (slot)
        {
            var until = clock.GetUtcNow() + retryAfter;
            if (until > slot.NotBefore) slot.NotBefore = until;
        }
    }

    /// <summary>Enters, or says why not: "window" or "concurrency", with the Retry-After to send.</summary>
    public Lease? TryEnter(string app, int mailbox, out string? reason, out TimeSpan retryAfter)
    {
        var s = settings();
        var slot = slots.GetOrAdd((app, mailbox), _ => new Slot());
        var now = clock.GetUtcNow();
        lock (slot)
        {
            var wait = slot.Window.Check(now, s.MailboxRequestsPerWindow, TimeSpan.FromSeconds(s.MailboxWindowSeconds));
            if (wait > TimeSpan.Zero)
            {
                if (s.CountThrottledRequests)
                {
                    // The rejected request counts too, so the honest Retry-After is computed after counting it.
                    slot.Window.Add(now);
                    wait = slot.Window.Check(now, s.MailboxRequestsPerWindow, TimeSpan.FromSeconds(s.MailboxWindowSeconds));
                }
                reason = "window";
                retryAfter = wait;
                return null;
            }
            if (slot.Active >= s.MailboxConcurrency)
            {
                if (s.CountThrottledRequests) slot.Window.Add(now);
                reason = "concurrency";
                retryAfter = TimeSpan.FromSeconds(s.ConcurrencyRetryAfterSeconds);
                return null;
            }
            slot.Window.Add(now);
            slot.Active++;
            reason = null;
            retryAfter = TimeSpan.Zero;
            return new Lease(() =>
            {
                lock (slot) slot.Active--;
            })
            { ConcurrencyAtEntry = slot.Active };
        }
    }

    public void Reset() => slots.Clear();
}
