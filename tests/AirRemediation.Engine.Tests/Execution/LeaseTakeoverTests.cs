using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>
/// Issue 13's lease drift bugs, through the pipeline with a real soft delete: a run whose action another session took
/// over may not write a single further item (soft delete used to write without the lease owner, so the store's guard
/// never applied), and an undo that loses its lease ends with a Conflict error, not a raw OperationCanceledException.
/// </summary>
/// <remarks>
/// The other session is a second store on the same file whose clock reads the year 2100: to it, the run's lease has long
/// run out, so it may take the action over at once — as a session does that finds a stalled run's lease expired.
/// </remarks>
public sealed class LeaseTakeoverTests
{
    private const string Intruder = "other-host/4242/0123456789abcdef";
    private static readonly DateTimeOffset Later = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<List<ItemRecord>> ItemsAsync(IActionStore store, string actionId) =>
        await store.GetItemsAsync(actionId).ToListAsync();

    [Fact]
    public async Task A_soft_delete_run_whose_action_was_taken_over_writes_no_further_item_and_moves_nothing_more()
    {
        await using var t = await FaultTenant.StartAsync(4, 2, 12, configure: o => o.LatencyMs = 5);
        // One request at a time, so "after the takeover" is exact: no move is in flight when it happens.
        var session = await t.ConnectAsync(retry: FaultTenant.QuickRetries with { MailboxParallelism = 1, PerMailboxConcurrency = 1, GlobalConcurrency = 1 });
        await using var other = SqliteActionStore.Open(t.StorePath, clock: new FakeTimeProvider(Later));
        LeaseResult? takeover = null;
        var movesAtTakeover = -1;
        var moved = 0;
        var run = new FaultTenant.Run(session.Clock, r =>
        {
            if (r.Outcome != ItemState.Done || Interlocked.Increment(ref moved) != 2) return;
            // The sink is called on the run's own flow, after the item was written: nothing else runs meanwhile.
            takeover = other.TryAcquireLeaseAsync(r.ActionId, Intruder, TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
            movesAtTakeover = t.ClusterCopies().Sum(c => c.TimesMoved);
        });

        var e = await Assert.ThrowsAsync<AirException>(() => run.ExecuteAsync(session, FaultTenant.Cluster(FaultTenant.Mailboxes(4))));

        Assert.True(takeover?.Acquired, "the other session must have taken the action over");
        Assert.Equal(AirErrorKind.Conflict, e.Kind);
        Assert.Contains("taken over by another session", e.Message, StringComparison.Ordinal);
        // No move after the takeover, and the journal holds exactly what this run did before it: the next item's
        // start was refused, so nothing was even marked InProgress.
        Assert.Equal(2, movesAtTakeover);
        Assert.Equal(2, t.ClusterCopies().Sum(c => c.TimesMoved));
        var actionId = run.Items.First().Result.ActionId;
        var items = await ItemsAsync(other, actionId);
        Assert.Equal(2, items.Count(i => i.State == ItemState.Done));
        Assert.DoesNotContain(items, i => i.State == ItemState.InProgress);
        Assert.All(items.Where(i => i.State != ItemState.Done), i => Assert.Equal(ItemState.Planned, i.State));
        var action = (await other.GetActionAsync(actionId))!;
        Assert.Equal(ActionState.Running, action.State);
        Assert.Equal(Intruder, action.LeaseOwner);
    }

    [Fact]
    public async Task An_undo_that_loses_its_lease_ends_with_a_Conflict_error_not_a_cancellation()
    {
        await using var t = await FaultTenant.StartAsync(4, 2, 16, configure: o => o.LatencyMs = 5);
        // The session on a fake clock, so its lease heartbeat beats when the test moves the clock by the beat (15 s);
        // one request at a time, so the undo is exactly where the test holds it.
        var clock = new TestClock();
        var session = await t.ConnectAsync(
            retry: FaultTenant.Unpaced(FaultTenant.QuickRetries with { MailboxParallelism = 1, PerMailboxConcurrency = 1, GlobalConcurrency = 1 }), clock: clock);
        var deleted = await FaultTenant.RunAsync(session, FaultTenant.Cluster(FaultTenant.Mailboxes(4)));
        Assert.Equal(ActionState.Completed, deleted.Summary.State);
        Assert.Equal(16, deleted.Summary.Succeeded);
        string? undoId = null;
        var restored = 0;
        var sink = new RunSink(o =>
        {
            var r = (MessageResult)o;
            if (r.Outcome != ItemState.Done || Interlocked.Increment(ref restored) != 2) return;
            undoId = r.ActionId;
            // From the next request on, every mailbox is throttled for long: the undo waits on its clock, mid-run.
            t.Sim.SetFaults(new FaultSettings { Storms = [new StormSpec { Mailboxes = [.. FaultTenant.Mailboxes(4)], RetryAfterSeconds = 3600, DurationSeconds = 3600 }] });
        }, _ => { });

        var undoing = Remediation.UndoAsync(session, deleted.Summary.ActionId, sink, default);
        var held = await clock.NextWaitOfAsync<MailboxGate>();
        // While it waits, another session takes the undo over; the heartbeat's next beat finds the lease in other hands
        // and cancels the wait under the run.
        await using var other = SqliteActionStore.Open(t.StorePath, clock: new FakeTimeProvider(Later));
        var takeover = await other.TryAcquireLeaseAsync(undoId!, Intruder, TimeSpan.FromMinutes(5));
        Assert.True(takeover.Acquired, "the other session must have taken the undo over");
        clock.Advance(TimeSpan.FromSeconds(15));
        var e = await Record.ExceptionAsync(() => undoing.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.False(held.Fired, "the throttled request was still waiting when the lease was lost");
        var conflict = Assert.IsType<AirException>(e);
        Assert.Equal(AirErrorKind.Conflict, conflict.Kind);
        Assert.Contains("taken over by another session", conflict.Message, StringComparison.Ordinal);
        // The original stays Completed (its undo did not finish); the undo belongs to the other session.
        Assert.Equal(ActionState.Completed, (await other.GetActionAsync(deleted.Summary.ActionId))!.State);
        var undo = (await other.GetActionAsync(undoId!))!;
        Assert.Equal(ActionKind.Undo, undo.Kind);
        Assert.Equal(Intruder, undo.LeaseOwner);
    }
}
