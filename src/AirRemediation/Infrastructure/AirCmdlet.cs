using System.Collections.Concurrent;
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
    private BlockingCollection<Work>? pump;
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
        using var queue = new BlockingCollection<Work>(boundedCapacity: 10_000);
        pump = queue;
        pipelineThreadId = Environment.CurrentManagedThreadId;
        var task = Task.Run(async () =>
        {
            using var _ = AirLog.Use(new DelegateLog(LogVerbose, LogDebug, LogWarning));
            try { await work(stopping.Token).ConfigureAwait(false); }
            finally { queue.CompleteAdding(); }
        });
        Exception? pipelineFailure = null;
        foreach (var item in queue.GetConsumingEnumerable())
        {
            if (pipelineFailure is not null)
            {
                // The pipeline already failed (Select-Object -First, -ErrorAction Stop, Ctrl+C): let the worker wind
                // down cleanly — it records where it stopped — without touching the pipeline again.
                item.Abandon();
                continue;
            }
            try
            {
                item.Run();
            }
            catch (Exception e)
            {
                pipelineFailure = e;
                stopping.Cancel();
            }
        }
        pump = null;
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C or a stopped pipeline: PowerShell is already stopping it; nothing more to report.
        }
        catch (AirException e) when (pipelineFailure is null)
        {
            ThrowTerminatingError(AirErrors.ToRecord(e));
        }
        catch (AirException) when (pipelineFailure is not null)
        {
            // The pipeline's own failure is the one to report.
        }
        if (pipelineFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(pipelineFailure).Throw();
    }

    /// <summary>Runs <paramref name="action"/> on the pipeline thread and waits for it.</summary>
    protected T OnPipeline<T>(Func<T> action)
    {
        var q = pump;
        if (q is null || Environment.CurrentManagedThreadId == pipelineThreadId) return action();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(q, new Work(
            () =>
            {
                try { done.SetResult(action()); }
                catch (Exception e) { done.SetException(e); throw; }
            },
            () => done.TrySetCanceled()));
        return done.Task.GetAwaiter().GetResult();
    }

    private void Enqueue(BlockingCollection<Work> q, Work work)
    {
        try
        {
            q.Add(work, stopping.Token);
        }
        catch (InvalidOperationException)
        {
            // The pump has finished (only possible after the work completed): nothing left to deliver to.
            work.Abandon();
        }
        catch (OperationCanceledException)
        {
            work.Abandon();
            throw;
        }
    }

    private sealed class Work(Action run, Action? abandon = null)
    {
        public void Run() => run();
        public void Abandon() => abandon?.Invoke();
    }

    /// <summary>Queues <paramref name="action"/> for the pipeline thread without waiting (blocks when 10,000 are queued).</summary>
    protected void Post(Action action)
    {
        var q = pump;
        if (q is null || Environment.CurrentManagedThreadId == pipelineThreadId) action();
        else Enqueue(q, new Work(action));
    }

    protected void Emit(object item) => Post(() => WriteObject(item));
    protected void EmitError(ErrorRecord record) => Post(() => WriteError(record));
    private protected void EmitError(AirException e, object? target = null) => EmitError(AirErrors.ToRecord(e, target));
    protected void Progress(ProgressRecord record) => Post(() => WriteProgress(record));
    protected bool Confirm(string target, string action) => OnPipeline(() => ShouldProcess(target, action));

    /// <summary>
    /// ShouldProcess for a whole run. -Force skips the prompt that ConfirmImpact High would show, unless -Confirm was
    /// asked for explicitly; -WhatIf is never skipped.
    /// </summary>
    protected bool ShouldRun(string target, string action, bool force)
    {
        if (force && !MyInvocation.BoundParameters.ContainsKey("Confirm") && !IsWhatIf()) return true;
        return Confirm(target, action);
    }

    /// <summary>Whether -WhatIf is in effect (bound, or through $WhatIfPreference).</summary>
    protected bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var v) && v is SwitchParameter s) return s.IsPresent;
        return OnPipeline(() => GetVariableValue("WhatIfPreference")) switch
        {
            SwitchParameter p => p.IsPresent,
            bool b => b,
            _ => false,
        };
    }

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
