using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>The lease keeper of a run, on a fake clock: it renews on its beat and reports a takeover as a lost lease.</summary>
public sealed class LeaseHeartbeatTests : IDisposable
{
    private static readonly AuditContext Who = new("runbook@contoso.com", ActorKind.App);
    private readonly ScratchDir dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_heartbeat_renews_on_its_beat_and_reports_a_takeover_as_lost()
    {
        await using var store = SqliteActionStore.Open(dir.File(), clock: clock);
        var a = (await store.CreateActionAsync(new NewAction
        {
            Kind = ActionKind.BlockUrl, InitialState = ActionState.Running, Lease = new LeaseRequest("s1", TimeSpan.FromSeconds(30)),
        }, Who)).Action;

        await using var hb = LeaseHeartbeat.Start(store, a.Id, "s1", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        for (var i = 1; i <= 2; i++)
        {
            var beat = hb.NextBeat;
            clock.Advance(TimeSpan.FromSeconds(10));
            await beat.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(i, hb.Renewals);
        }
        Assert.False(hb.IsLost);
        Assert.Equal(clock.GetUtcNow().AddSeconds(30), (await store.GetActionAsync(a.Id))!.LeaseExpiresAt);

        // Another session takes the action over between two beats (as it may once this one stalled past its expiry, or
        // was judged dead): the next beat finds the lease in other hands.
        Assert.True(await store.ReleaseLeaseAsync(a.Id, "s1"));
        Assert.True((await store.TryAcquireLeaseAsync(a.Id, "s2", TimeSpan.FromMinutes(5))).Acquired);
        var lost = hb.NextBeat;
        clock.Advance(TimeSpan.FromSeconds(10));
        await lost.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(hb.IsLost);
        Assert.True(hb.LeaseLost.IsCancellationRequested);
        Assert.Equal("s2", (await store.GetActionAsync(a.Id))!.LeaseOwner);
    }

    [Fact]
    public async Task Lease_owners_carry_this_host_and_process_and_a_random_part()
    {
        var a = LeaseOwner.New();
        var b = LeaseOwner.New();
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}/{Environment.ProcessId}/[0-9a-f]{{16}}-[0-9a-f]{{8}}$", a);
        Assert.NotEqual(a, b);
        Assert.False(LeaseOwner.IsDeadLocalProcess(a));
        await Task.CompletedTask;
    }

    public void Dispose() => dir.Dispose();
}
