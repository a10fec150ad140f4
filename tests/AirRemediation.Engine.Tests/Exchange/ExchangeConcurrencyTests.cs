using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Exchange;

/// <summary>
/// Exchange limits admin API requests in flight per tenant and answers the excess with a plain-text "You have reached
/// the maximum number of concurrent requests per tenant" that is not a 429 (GreyCorbel/ExoHelper Invoke-ExoCommand.ps1
/// retries on that text). The simulator enforces it (LimitSettings.ExchangeTenantConcurrency); the module retries it
/// with backoff that every Exchange request of the session shares. Simulator and session run on one fake clock.
/// </summary>
public sealed class ExchangeConcurrencyTests
{
    private static Dictionary<string, object?> P(params (string Name, object? Value)[] ps) => ps.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public async Task A_tenant_busy_answer_is_retried_after_a_shared_backoff_until_every_call_succeeds()
    {
        var clock = new TestClock();
        await using var s = await SimulatedTenant.StartAsync(o =>
        {
            o.Clock = clock;
            // One request at a time for the tenant, each held 200 ms: of six sent together, five are told the tenant is busy.
            o.Limits = new LimitSettings { ExchangeTenantConcurrency = 1, LatencyMs = 200 };
        });
        // Signing in also meets the simulated latency, which passes only as the test clock moves.
        using var session = await clock.DriveAsync(SimulatedTenant.ConnectAsync(s, clock: clock));
        var caller = SimulatedTenant.Caller(session, FaultTenant.Unpaced(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(2), GlobalConcurrency = 8 }));
        var client = new ExchangeAdminClient(session, caller);

        var calls = Enumerable.Range(0, 6).Select(_ => client.InvokeAsync("Get-AcceptedDomain", P(), null, default)).ToList();
        // Time stands still until a busy answer has paused the session's Exchange gate: the first call holds the tenant's
        // one slot (its latency passes only as the clock moves), so the others must meet the limit. Moving time before
        // they reached the simulator would let the first finish first and the test prove nothing.
        await clock.NextWaitOfAsync<MailboxGate>();
        var results = await clock.DriveAsync(Task.WhenAll(calls), TimeSpan.FromSeconds(20));

        Assert.All(results, r => Assert.Equal(2, r.Values.Count));
        Assert.True(Interlocked.Read(ref s.Stats.ExchangeBusy) >= 1, "the tenant limit was reached");
        Assert.True(caller.Totals.Throttled >= 1, "busy answers are counted as throttling and retried");
        // Shared: a busy answer paused the session's Exchange gate, and other calls waited on that pause rather than
        // each backing off on its own.
        Assert.NotEmpty(clock.WaitsOf<MailboxGate>());
    }
}
