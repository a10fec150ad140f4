namespace AirRemediation.Engine.Execution;

/// <summary>
/// The one progress activity of a run: a snapshot every half second (on the session's clock) while it works, and a
/// Completed record when it ends — on success, on Ctrl+C and on failure alike, because the pipeline completes it in a
/// finally block.
/// </summary>
internal sealed class ProgressReporter : IAsyncDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);

    private readonly RunContext run;
    private readonly string activity;
    private readonly DateTimeOffset started;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int completed;

    private ProgressReporter(RunContext run, string activity)
    {
        this.run = run;
        this.activity = activity;
        started = run.Clock.GetUtcNow();
        loop = Task.Run(LoopAsync);
    }

    public static ProgressReporter Start(RunContext run) =>
        new(run, run.IsUndo ? $"Undo: {run.Kind.Activity}" : run.Kind.Activity);

    private async Task LoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(Every, run.Clock, stop.Token).ConfigureAwait(false);
                run.Sink.Progress(Snapshot(completed: false));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public RunProgress Snapshot(bool completed)
    {
        var c = run.Counters;
        var elapsed = (run.Clock.GetUtcNow() - started).TotalSeconds;
        var done = c.Finished;
        var rate = elapsed > 0 ? done / elapsed : 0;
        var total = c.UnitsTotal;
        var scanned = c.UnitsScanned;
        TimeSpan? remaining = null;
        if (!completed && rate > 0)
        {
            // Expected items: what was found so far, scaled up to every unit when not all have been looked at yet.
            var expected = total > 0 && scanned > 0 ? c.Found * (double)total / scanned : c.Found;
            remaining = TimeSpan.FromSeconds(Math.Max(0, (expected - done) / rate));
        }
        return new RunProgress
        {
            ActionId = run.Id,
            Activity = activity,
            UnitName = run.Kind.UnitName,
            UnitsScanned = scanned,
            UnitsTotal = total >= 0 ? total : null,
            Found = c.Found,
            Finished = done,
            Failed = c.Failed,
            ItemsPerSecond = rate,
            Remaining = remaining,
            ThrottleWaits = run.Metrics.ThrottleWaits,
            Completed = completed,
        };
    }

    /// <summary>Stops the snapshots and writes the Completed record (once).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref completed, 1) != 0) return;
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
        run.Sink.Progress(Snapshot(completed: true));
    }
}
