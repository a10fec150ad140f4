using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;

namespace AirRemediation.Engine.UrlBlock;

/// <summary>The URL block entry points the cmdlets call.</summary>
public static class UrlBlockService
{
    private static async Task<UrlBlockExecutor> ExecutorAsync(AirSession session, RunSink sink, RetryOptions? options, CancellationToken ct) =>
        new(session, await session.GetStoreAsync(ct).ConfigureAwait(false), options ?? new RetryOptions(), sink);

    /// <summary>Every URL block entry of the tenant.</summary>
    public static async Task<IReadOnlyList<UrlBlockEntry>> ListAsync(AirSession session, CancellationToken ct) =>
        await (await ExecutorAsync(session, RunSink.None, null, ct).ConfigureAwait(false)).ListAsync(ct).ConfigureAwait(false);

    public static async Task<RunSummary> BlockAsync(AirSession session, UrlBlockRequest.Normalized request, RunSink sink, CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).BlockAsync(request, ActionRun.WhoFor(session), ct).ConfigureAwait(false);

    public static async Task<RunSummary> UnblockAsync(AirSession session, UrlUnblockRequest request, RunSink sink, CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).UnblockAsync(request, ActionRun.WhoFor(session), ct).ConfigureAwait(false);

    public static async Task<RunSummary> ResumeAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).ResumeAsync(actionId, ActionRun.WhoFor(session), ct).ConfigureAwait(false);

    public static async Task<RunSummary> UndoAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct, RetryOptions? options = null) =>
        await (await ExecutorAsync(session, sink, options, ct).ConfigureAwait(false)).UndoAsync(actionId, ActionRun.WhoFor(session), ct).ConfigureAwait(false);
}
