using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;

namespace AirRemediation.Engine.Forwarding;

/// <summary>The forwarding entry points the cmdlets call.</summary>
public static class ForwardingService
{
    private static async Task<ForwardingExecutor> ExecutorAsync(AirSession session, RunSink sink, RetryOptions? options, CancellationToken ct) =>
        new(session, await session.GetStoreAsync(ct).ConfigureAwait(false), options ?? new RetryOptions(), sink);

    /// <summary>Turns forwarding off, journaled; <paramref name="confirm"/> is asked before each change (ShouldProcess).</summary>
    public static async Task<RunSummary> RunAsync(AirSession session, ForwardingRequest.Normalized request, Func<ForwardingChange, bool> confirm, RunSink sink,
        CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).RunAsync(request, confirm, ActionRun.WhoFor(session), ct).ConfigureAwait(false);

    /// <summary>-WhatIf: what would be changed (and what would not, and why); reads only.</summary>
    public static async Task PlanAsync(AirSession session, ForwardingRequest request, Action<ForwardingResult> onFinding, CancellationToken ct) =>
        await (await ExecutorAsync(session, RunSink.None, null, ct).ConfigureAwait(false)).PlanAsync(request, onFinding, ct).ConfigureAwait(false);

    public static async Task<RunSummary> ResumeAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).ResumeAsync(actionId, ActionRun.WhoFor(session), ct).ConfigureAwait(false);

    public static async Task<RunSummary> UndoAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).UndoAsync(actionId, ActionRun.WhoFor(session), ct).ConfigureAwait(false);
}
