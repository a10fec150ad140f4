using System.Collections.Concurrent;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>
/// Issue 13's progress drift bugs: every run reports one activity that ends with a Completed record — also when the run
/// fails after it started — and URL blocks, which reported no progress at all, report it like the other kinds.
/// </summary>
public sealed class ProgressTests
{
    [Fact]
    public async Task Progress_is_completed_when_a_run_fails_after_it_started()
    {
        // The reader app without User.Read.All: the run starts, then cannot list the tenant's mailboxes (403).
        var doc = ScenarioLoader.ReadFile(SimulatedTenant.ScenarioPath);
        Assert.True(doc.Apps.Single(a => a.ClientId == FaultTenant.ReaderClientId).GraphPermissions.Remove("User.Read.All"));
        await using var t = await FaultTenant.StartAsync(3, 1, 3, configure: o => o.Scenario = doc);
        var session = await t.ConnectAsync(FaultTenant.ReaderClientId, FaultTenant.ReaderSecret);
        var run = new FaultTenant.Run(session.Clock);

        var e = await Assert.ThrowsAsync<AirException>(() => run.ExecuteAsync(session, FaultTenant.Cluster()));

        Assert.Equal(AirErrorKind.AccessDenied, e.Kind);
        Assert.Contains("Could not enumerate mailboxes", e.Message, StringComparison.Ordinal);
        var progress = run.Progress.ToList();
        var completed = Assert.Single(progress, p => p.Completed);
        Assert.Same(completed, progress[^1]);
        Assert.Equal("Soft delete email cluster", completed.Activity);
        Assert.False(string.IsNullOrEmpty(completed.ActionId));
    }

    [Fact]
    public async Task A_URL_block_reports_progress_while_it_runs_and_completes_it_at_the_end()
    {
        await using var s = await SimulatedTenant.StartAsync();
        // The session on a fake clock: a progress snapshot is due every half second of it, so the test decides when.
        var clock = new TestClock();
        using var session = await SimulatedTenant.ConnectAsync(s, retry: FaultTenant.Unpaced(new RetryOptions()), clock: clock);
        var urls = Enumerable.Range(1, 5).Select(i => $"progress{i}.example").ToList();
        var progress = new ConcurrentQueue<RunProgress>();
        var firstItem = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var snapshot = new TaskCompletionSource<RunProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var carryOn = new ManualResetEventSlim();
        var sink = new RunSink(_ =>
        {
            // Hold the run at its first result until the test has seen a snapshot of it running.
            firstItem.TrySetResult();
            carryOn.Wait(TimeSpan.FromSeconds(60));
        }, p =>
        {
            progress.Enqueue(p);
            if (!p.Completed) snapshot.TrySetResult(p);
        });

        var running = Remediation.RunAsync(session, Remediation.Normalize(session, new UrlBlockRequest { Urls = urls }), null, sink, default);
        await firstItem.Task.WaitAsync(TimeSpan.FromSeconds(60));
        clock.AdvancePast(await clock.NextWaitOfAsync<ProgressReporter>());
        var during = await snapshot.Task.WaitAsync(TimeSpan.FromSeconds(60));
        carryOn.Set();
        var summary = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal("Block URLs", during.Activity);
        Assert.False(during.Completed);
        Assert.Equal(summary.ActionId, during.ActionId);
        Assert.Equal(5, during.Found);
        Assert.InRange(during.Finished, 1, 5);
        var all = progress.ToList();
        Assert.All(all, p => Assert.Equal("Block URLs", p.Activity));
        var completed = Assert.Single(all, p => p.Completed);
        Assert.Same(completed, all[^1]);
        Assert.Equal(5, completed.Found);
        Assert.Equal(5, completed.Finished);
        Assert.Equal(100, completed.PercentComplete);
    }
}
