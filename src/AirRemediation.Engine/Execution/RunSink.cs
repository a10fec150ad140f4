namespace AirRemediation.Engine.Execution;

/// <summary>
/// Where a run reports back: each item's outcome as it happens, and progress snapshots. Built from delegates by the
/// cmdlet layer. Both callbacks are called from worker threads and must be thread-safe.
/// </summary>
public sealed class RunSink(Action<object> onItem, Action<RunProgress> onProgress)
{
    public static RunSink None { get; } = new(_ => { }, _ => { });
    public void Item(object result) => onItem(result);
    public void Progress(RunProgress progress) => onProgress(progress);
}
