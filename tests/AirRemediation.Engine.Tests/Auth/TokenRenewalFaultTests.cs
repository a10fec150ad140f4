using AirRemediation.Engine.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>Issue 10, item 6: a run that outlives its access tokens, end to end against the in-process simulator.</summary>
[Trait("Category", "Fault")]
public sealed class TokenRenewalFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Tokens_expiring_every_2_seconds_during_a_long_run_never_fail_an_item()
    {
        // 2 s tokens instead of Entra's 60-minute ones, on a clock the simulator and the session share, moved on by one
        // token lifetime after every 40 items: the run outlives many tokens. A token that expires before the session renews
        // it is answered 401 by the simulator, renewed and the request re-sent; none may fail an item.
        const int lifetime = 2;
        var mailboxes = FaultTenant.Long ? 600 : 170;
        var clock = new TestClock();
        await using var t = await FaultTenant.StartAsync(mailboxes, 1, mailboxes * 2, configure: o => { o.Clock = clock; o.TokenLifetimeSeconds = lifetime; });
        // Two mailboxes at a time, so that the clock moves while work is in flight.
        var session = await t.ConnectAsync(retry: FaultTenant.Unpaced(FaultTenant.QuickRetries with { MailboxParallelism = 2 }), clock: clock);
        var tokensBefore = t.Sim.Secrets.ToJson()["all"]!.AsArray().Count;
        t.Sim.ResetStats();

        var run = new FaultTenant.Run(clock);
        var running = run.ExecuteAsync(session, FaultTenant.Cluster());
        for (var next = 40; ; next += 40)
        {
            if (await Task.WhenAny(running, run.When(r => r.Items.Count >= next)).WaitAsync(TimeSpan.FromSeconds(60)) == running) break;
            clock.Advance(TimeSpan.FromSeconds(lifetime));
        }
        await running;

        var issued = t.Sim.Secrets.ToJson()["all"]!.AsArray().Count - tokensBefore;
        output.WriteLine($"{clock.Moved.TotalSeconds:0} s on the clock with {lifetime} s tokens: {issued} new tokens, {t.Sim.Stats.Unauthorized} requests answered 401, {run.Summary.Requests} requests");
        // The run must outlive several tokens: at least three lifetimes, and at least three renewals mid-run.
        Assert.True(clock.Moved > TimeSpan.FromSeconds(3 * lifetime), $"the run must outlive several tokens (the clock moved {clock.Moved})");
        Assert.True(issued >= 3, $"tokens must really have been renewed during the run ({issued} issued)");
        Assert.DoesNotContain(run.Items, i => i.Result.ErrorKind == AirErrorKind.AuthenticationFailed);
        t.AssertExactlyOnce(run.Summary);
    }
}
