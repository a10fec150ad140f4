using System.Collections.Concurrent;
using System.Management.Automation;
using AirRemediation.Engine;
using AirRemediation.Engine.Diagnostics;

namespace AirRemediation.Infrastructure;

/// <summary>
/// Base of every cmdlet: work runs as async code with a token that StopProcessing cancels, while everything that
/// must happen on the pipeline thread (output, errors, progress, verbose lines, ShouldProcess) is queued back to
/// it and pumped until the work ends. Engine errors become ErrorRecords in one place (<see cref="AirErrors"/>).
/// </summary>
public abstract class AirCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();
    private BlockingCollection<Action>? pump;
    private int pipelineThreadId;
    private bool verbose;
    private bool debug;

    protected virtual Task BeginAsync(CancellationToken ct) => Task.CompletedTask;
    protected virtual Task ProcessAsync(CancellationToken ct) => Task.CompletedTask;
    protected virtual Task EndAsync(CancellationToken ct) => Task.CompletedTask;

    protected sealed override void BeginProcessing()
    {
        verbose = IsOn("Verbose", "VerbosePreference");
        debug = IsOn("Debug", "DebugPreference");
        Run(BeginAsync);
    }

    protected sealed override void ProcessRecord() => Run(ProcessAsync);
    protected sealed override void EndProcessing() => Run(EndAsync);
    protected override void StopProcessing() => stopping.Cancel();

    private bool IsOn(string parameter, string preferenceVariable)
    {
        if (MyInvocation.BoundParameters.TryGetValue(parameter, out var v) && v is SwitchParameter s) return s.IsPresent;
        return GetVariableValue(preferenceVariable) is ActionPreference p && p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
    }

    private void Run(Func<CancellationToken, Task> work)
    {
        using var queue = new BlockingCollection<Action>();
        pump = queue;
        pipelineThreadId = Environment.CurrentManagedThreadId;
        var task = Task.Run(async () =>
        {
            using var _ = AirLog.Use(new DelegateLog(LogVerbose, LogDebug, LogWarning));
            try { await work(stopping.Token).ConfigureAwait(false); }
            finally { queue.CompleteAdding(); }
        });
        foreach (var action in queue.GetConsumingEnumerable())
        {
            try
            {
                action();
            }
            catch (PipelineStoppedException)
            {
                stopping.Cancel();
                throw;
            }
        }
        pump = null;
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell is already stopping the pipeline; nothing to report.
        }
        catch (AirException e)
        {
            ThrowTerminatingError(AirErrors.ToRecord(e));
        }
    }

    /// <summary>Runs <paramref name="action"/> on the pipeline thread and waits for it.</summary>
    protected T OnPipeline<T>(Func<T> action)
    {
        var q = pump;
        if (q is null || Environment.CurrentManagedThreadId == pipelineThreadId) return action();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        q.Add(() =>
        {
            try { done.SetResult(action()); }
            catch (Exception e) { done.SetException(e); throw; }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Queues <paramref name="action"/> for the pipeline thread without waiting.</summary>
    protected void Post(Action action)
    {
        var q = pump;
        if (q is null || Environment.CurrentManagedThreadId == pipelineThreadId) action();
        else q.Add(action);
    }

    protected void Emit(object item) => Post(() => WriteObject(item));
    protected void EmitError(ErrorRecord record) => Post(() => WriteError(record));
    private protected void EmitError(AirException e, object? target = null) => EmitError(AirErrors.ToRecord(e, target));
    protected void Progress(ProgressRecord record) => Post(() => WriteProgress(record));
    protected bool Confirm(string target, string action) => OnPipeline(() => ShouldProcess(target, action));

    // Engine log lines arrive from worker threads; they are queued only when the stream is on, so a busy run with
    // -Verbose off costs nothing per HTTP call.
    private void LogVerbose(string message)
    {
        if (verbose) Post(() => WriteVerbose(message));
    }

    private void LogDebug(string message)
    {
        if (debug) Post(() => WriteDebug(message));
    }

    private void LogWarning(string message) => Post(() => WriteWarning(message));
}
