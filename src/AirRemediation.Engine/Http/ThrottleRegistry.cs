using System.Collections.Concurrent;

namespace AirRemediation.Engine.Http;

/// <summary>
/// The per-mailbox gates and the global cap on requests in flight, for one session (every run of it shares them, so
/// two runs never send a mailbox more than its four requests together). Requests without a mailbox (users, alerts,
/// Exchange) pass only the global cap. Gates live as long as the session (a few hundred bytes per mailbox, so memory
/// grows with mailboxes, never with messages); dropping idle gates would open a race in which one mailbox briefly has
/// two gates and twice the allowed concurrency.
/// </summary>
internal sealed class ThrottleRegistry(RetryOptions options, TimeProvider clock, Func<MetricsPair> metrics)
{
    private readonly ConcurrentDictionary<string, MailboxGate> gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, MailboxGate> services = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim global = new(options.GlobalConcurrency, options.GlobalConcurrency);

    public TimeProvider Clock => clock;

    public async Task<Lease> EnterAsync(string? mailbox, CancellationToken ct, string? service = null)
    {
        MailboxGate? gate = null;
        MailboxGate? serviceGate = null;
        if (mailbox is not null)
        {
            gate = Gate(mailbox);
            if (await gate.EnterAsync(ct).ConfigureAwait(false)) metrics().AddThrottleWait();
        }
        try
        {
            if (service is not null)
            {
                serviceGate = ServiceGate(service);
                if (await serviceGate.EnterAsync(ct).ConfigureAwait(false)) metrics().AddThrottleWait();
            }
            await global.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            serviceGate?.Exit();
            gate?.Exit();
            throw;
        }
        return new Lease(global, gate, serviceGate);
    }

    public void Pause(string? mailbox, TimeSpan delay)
    {
        if (mailbox is not null) Gate(mailbox).PauseUntil(clock.GetUtcNow() + delay);
    }

    /// <summary>Holds back every request to <paramref name="service"/> (all mailboxes) until the pause has passed.</summary>
    public void PauseService(string service, TimeSpan delay) => ServiceGate(service).PauseUntil(clock.GetUtcNow() + delay);

    /// <summary>A service's share of the tenant: at most <see cref="RetryOptions.ExchangeConcurrency"/> in flight, and one pause for all.</summary>
    private MailboxGate ServiceGate(string service) => services.GetOrAdd(service, _ => new MailboxGate(options.ExchangeConcurrency, clock));

    public int TrackedMailboxes => gates.Count;

    private MailboxGate Gate(string mailbox) => gates.GetOrAdd(mailbox, _ => new MailboxGate(options.PerMailboxConcurrency, clock));

    public readonly struct Lease(SemaphoreSlim global, MailboxGate? gate, MailboxGate? serviceGate) : IDisposable
    {
        public void Dispose()
        {
            global.Release();
            serviceGate?.Exit();
            gate?.Exit();
        }
    }
}
