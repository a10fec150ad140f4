using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;

namespace AirRemediation.Engine.SoftDelete;

/// <summary>The soft delete entry points the cmdlets call.</summary>
public static class SoftDeleteService
{
    /// <summary>Runs (or resumes, or re-checks) a soft delete, journaled in the session's action store.</summary>
    public static async Task<RunSummary> RunAsync(AirSession session, SoftDeleteRequest.Normalized request, RunSink sink, CancellationToken ct,
        RetryOptions? options = null)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var executor = new SoftDeleteExecutor(session, store, options ?? new RetryOptions(), sink);
        return await executor.RunAsync(request, ActionRun.WhoFor(session), ct).ConfigureAwait(false);
    }

    /// <summary>Finishes an existing soft delete action from its journal.</summary>
    public static async Task<RunSummary> ResumeAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct, RetryOptions? options = null)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var executor = new SoftDeleteExecutor(session, store, options ?? new RetryOptions(), sink);
        return await executor.ResumeAsync(actionId, ActionRun.WhoFor(session), ct).ConfigureAwait(false);
    }

    /// <summary>-WhatIf: what would be soft deleted, mailbox by mailbox; reads only.</summary>
    public static async Task<(long Mailboxes, long Messages)> PlanAsync(AirSession session, SoftDeleteRequest request,
        Action<string, IReadOnlyList<MailMessage>, AirException?> onMailbox, CancellationToken ct)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var executor = new SoftDeleteExecutor(session, store, new RetryOptions(), RunSink.None);
        return await executor.PlanAsync(request, onMailbox, ct).ConfigureAwait(false);
    }

    /// <summary>Moves a soft delete action's messages back to their original folders.</summary>
    public static async Task<RunSummary> UndoAsync(AirSession session, string actionId, RunSink sink, CancellationToken ct, RetryOptions? options = null)
    {
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var executor = new SoftDeleteExecutor(session, store, options ?? new RetryOptions(), sink);
        return await executor.UndoAsync(actionId, ActionRun.WhoFor(session), ct).ConfigureAwait(false);
    }
}
