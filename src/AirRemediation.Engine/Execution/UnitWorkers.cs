using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// Works through a stream of units (mailboxes) with N workers fed by a bounded channel, so the producer (paging the
/// tenant's users) never runs far ahead and memory stays flat. If a worker or the producer fails, the others are
/// stopped and the first real failure is rethrown: a worker that dies faults the run instead of leaving the producer
/// blocked on a full channel forever.
/// </summary>
internal static class UnitWorkers
{
    public static async Task RunAsync(IAsyncEnumerable<string> units, int workers, Func<string, CancellationToken, Task> process, CancellationToken ct)
    {
        workers = Math.Max(1, workers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(workers * 4) { SingleWriter = true });
        ExceptionDispatchInfo? failure = null;

        void Fail(Exception e)
        {
            // A cancellation caused by our own stop (after another failure) or by the caller is not the failure to report.
            if (e is OperationCanceledException && stop.IsCancellationRequested) return;
            Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            stop.Cancel();
        }

        var producer = Task.Run(async () =>
        {
            try
            {
                await foreach (var unit in units.WithCancellation(stop.Token).ConfigureAwait(false))
                    await channel.Writer.WriteAsync(unit, stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);

        var consumers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            try
            {
                while (await channel.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
                {
                    while (channel.Reader.TryRead(out var unit))
                        await process(unit, stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
        }, CancellationToken.None)).ToList();

        await Task.WhenAll(consumers.Append(producer)).ConfigureAwait(false);
        failure?.Throw();
        ct.ThrowIfCancellationRequested();
    }
}
