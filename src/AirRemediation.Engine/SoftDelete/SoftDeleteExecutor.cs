using System.Collections.Concurrent;
using System.Threading.Channels;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.SoftDelete;

/// <summary>
/// Soft deletes messages (moves them to Recoverable Items\Deletions), streaming: mailboxes are taken page by page,
/// each is searched, its matches are journaled, then moved at most four at a time, while other mailboxes proceed.
/// Every item is written to the journal before its move (InProgress) and after it (Done/Already/Failed), so a
/// killed run resumes without moving anything twice.
/// </summary>
internal sealed class SoftDeleteExecutor
{
    private const int PageSize = 100;
    private const int IdsPerLookup = 10;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    private readonly AirSession session;
    private readonly IActionStore store;
    private readonly RetryOptions options;
    private readonly RunSink sink;
    private readonly MailApi mail;
    private readonly ServiceCaller caller;
    private readonly ExecutionMetrics metrics = new();
    private readonly ConcurrentDictionary<string, Task<string>> deletionsFolders = new(StringComparer.OrdinalIgnoreCase);
    // (mailbox|internetMessageId) pairs this run already accounts for through journaled items (carried over or
    // resumed), so a by-message lookup that finds nothing left to move does not count them a second time.
    private readonly ConcurrentDictionary<string, byte> accounted = new(StringComparer.Ordinal);

    private long mailboxesScanned;
    private long mailboxesTotal = -1;
    private long found;
    private long finished;
    private long failed;
    private long quotaLeft;
    private volatile bool limitReached;
    private bool undo;

    public SoftDeleteExecutor(AirSession session, IActionStore store, RetryOptions options, RunSink sink)
    {
        this.session = session;
        this.store = store;
        this.options = options;
        this.sink = sink;
        mail = new MailApi(session.Graph);
        caller = new ServiceCaller(options, new ThrottleRegistry(options, session.Clock, metrics), metrics);
    }

    public ExecutionMetrics Metrics => metrics;

    /// <summary>
    /// Runs a request directly (no approval step). If the same request ran before, its action is resumed (when it
    /// was interrupted) or its items are reported as already remediated and only new matches are acted on.
    /// </summary>
    public async Task<RunSummary> RunAsync(SoftDeleteRequest.Normalized input, AuditContext who, CancellationToken ct)
    {
        var request = input.Request;
        var key = request.DedupeKey();
        var previous = await store.FindByDedupeKeyAsync(key, DateTimeOffset.MinValue, ct).ConfigureAwait(false);
        if (previous is not null && previous.State is ActionState.Running or ActionState.Cancelled or ActionState.Approved)
        {
            if (previous.State == ActionState.Running && previous.IsLeaseLive(store.Clock.GetUtcNow()) && !LeaseOwner.IsDeadLocalProcess(previous.LeaseOwner))
                throw new AirException(AirErrorKind.Conflict,
                    $"The same soft delete is running in another session as action {previous.Id} (lease held by {previous.LeaseOwner} until {previous.LeaseExpiresAt:u}). Wait for it, or resume it with Resume-AirAction -Id {previous.Id} after that session stops.",
                    previous.Id);
            AirLog.Current.Verbose($"Resuming interrupted action {previous.Id} for the same request.");
            await using var resumed = await ActionRun.ResumeAsync(store, previous.Id, who, ct).ConfigureAwait(false);
            return await ExecuteAsync(resumed, SoftDeleteRequest.FromJson(resumed.Action.ParametersJson), [], ct).ConfigureAwait(false);
        }

        var kind = request.IsCluster ? ActionKind.SoftDeleteCluster : ActionKind.SoftDeleteEmail;
        await using var run = await ActionRun.StartNewAsync(store, new NewAction
        {
            Kind = kind,
            DedupeKey = key,
            // Checked atomically with the insert: if another session started the same request after we looked, its
            // action is returned and this run is refused instead of running it a second time.
            DedupeSince = previous is null ? DateTimeOffset.MinValue : previous.CreatedAt.AddTicks(1),
            ParametersJson = request.ToJson(),
            Summary = Describe(request),
            RelatedActionId = previous?.Id,
        }, who, ct).ConfigureAwait(false);

        if (previous is not null)
        {
            // The same request finished before: what it remediated stays remediated. Carry those items over as
            // Already, so this run's counts say so, then look only for what is new.
            await CarryOverAsync(previous.Id, run.Id, ct).ConfigureAwait(false);
        }
        return await ExecuteAsync(run, request, input.Rejected, ct).ConfigureAwait(false);
    }

    /// <summary>Runs an action that already exists (approved, interrupted or cancelled).</summary>
    public async Task<RunSummary> ResumeAsync(string actionId, AuditContext who, CancellationToken ct)
    {
        await using var run = await ActionRun.ResumeAsync(store, actionId, who, ct).ConfigureAwait(false);
        if (run.Action.Kind is not (ActionKind.SoftDeleteEmail or ActionKind.SoftDeleteCluster))
            throw new AirException(AirErrorKind.InvalidInput, $"Action {actionId} is a {run.Action.Kind} action, not a soft delete.", actionId);
        return await ExecuteAsync(run, SoftDeleteRequest.FromJson(run.Action.ParametersJson), [], ct).ConfigureAwait(false);
    }

    /// <summary>-WhatIf: searches every mailbox and reports what would be soft deleted; changes nothing, writes nothing.</summary>
    public async Task<(long Mailboxes, long Messages)> PlanAsync(SoftDeleteRequest request, Action<string, IReadOnlyList<MailMessage>, AirException?> onMailbox, CancellationToken ct)
    {
        long mailboxes = 0, messages = 0;
        await foreach (var (mailbox, targets) in MailboxesAsync(request, ct).ConfigureAwait(false))
        {
            mailboxes++;
            try
            {
                var list = new List<MailMessage>();
                await foreach (var m in FindAsync(mailbox, request, targets, null, ct).ConfigureAwait(false)) list.Add(m);
                messages += list.Count;
                onMailbox(mailbox, list, null);
            }
            catch (ServiceCallException e)
            {
                onMailbox(mailbox, [], MailboxError(mailbox, e));
            }
        }
        return (mailboxes, messages);
    }

    private async Task<RunSummary> ExecuteAsync(ActionRun run, SoftDeleteRequest request, IReadOnlyList<(string Input, AirException Error)> rejected, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, run.LeaseLost);
        var token = linked.Token;
        var existing = await store.GetItemCountsAsync(run.Id, token).ConfigureAwait(false);
        quotaLeft = Math.Max(0, request.MaxMessages - (existing.Total - existing.Already));
        using var progressStop = new CancellationTokenSource();
        var progress = ReportProgressAsync(run, request, progressStop.Token);
        try
        {
            foreach (var (input, error) in rejected)
                await RecordInputErrorAsync(run, input, error, token).ConfigureAwait(false);

            // 1. Whatever the journal says is unfinished (a resume): verify what may have moved, move the rest.
            await FinishOpenItemsAsync(run, token).ConfigureAwait(false);

            // 2. Search (again): new matches are journaled and moved; known ones are skipped by their key.
            var workers = Math.Max(1, options.MailboxParallelism);
            var channel = Channel.CreateBounded<(string Mailbox, IReadOnlyList<string>? Targets)>(workers * 4);
            var producer = Task.Run(async () =>
            {
                try
                {
                    await foreach (var m in MailboxesAsync(request, token).ConfigureAwait(false))
                        await channel.Writer.WriteAsync(m, token).ConfigureAwait(false);
                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            }, token);
            var consumers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                await foreach (var (mailbox, targets) in channel.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    await ProcessMailboxAsync(run, request, mailbox, targets, token).ConfigureAwait(false);
                    Interlocked.Increment(ref mailboxesScanned);
                }
            }, token)).ToList();
            await Task.WhenAll(consumers.Append(producer)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || run.LeaseLost.IsCancellationRequested)
        {
            await progressStop.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
            if (run.LeaseLost.IsCancellationRequested)
                throw new AirException(AirErrorKind.Conflict, $"Action {run.Id} was taken over by another session; this run stopped.", run.Id);
            var (cancelled, cc) = await run.CancelAsync().ConfigureAwait(false);
            ReportFinal(run, cc);
            return RunSummary.From(cancelled, cc, run.Elapsed, metrics, limitReached,
                $"Stopped by the user. Resume-AirAction -Id {run.Id} finishes the rest.");
        }
        catch (ServiceCallException e)
        {
            // Listing mailboxes failed for good (403 on /users, say): nothing more can be searched.
            throw new AirException(e.ToErrorKind(), $"Could not enumerate mailboxes: {e.Message}") { HttpStatus = e.Status, ServiceCode = e.Code };
        }

        await progressStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        var note = limitReached
            ? $"Stopped at -MaxMessages {request.MaxMessages}: more messages match. Raise -MaxMessages and run the same command again to continue."
            : null;
        if (limitReached) AirLog.Current.Warning(note!);
        var (action, counts) = await run.CompleteAsync(null, CancellationToken.None).ConfigureAwait(false);
        ReportFinal(run, counts);
        return RunSummary.From(action, counts, run.Elapsed, metrics, limitReached, note);
    }

    private async Task ProcessMailboxAsync(ActionRun run, SoftDeleteRequest request, string mailbox, IReadOnlyList<string>? targets, CancellationToken ct)
    {
        var planned = new List<ItemRecord>();
        try
        {
            var batch = new List<MailMessage>(PageSize);
            await foreach (var m in FindAsync(mailbox, request, targets, run, ct).ConfigureAwait(false))
            {
                batch.Add(m);
                if (batch.Count == PageSize)
                {
                    planned.AddRange(await JournalAsync(run, mailbox, batch, ct).ConfigureAwait(false));
                    batch.Clear();
                }
                if (limitReached) break;
            }
            if (batch.Count > 0) planned.AddRange(await JournalAsync(run, mailbox, batch, ct).ConfigureAwait(false));
        }
        catch (ServiceCallException e)
        {
            var error = MailboxError(mailbox, e);
            var skip = request.AllMailboxes && e.Kind == FailureKind.MailboxNotRestEnabled;
            await RecordMailboxOutcomeAsync(run, mailbox, skip ? ItemState.Skipped : ItemState.Failed, error, ct).ConfigureAwait(false);
        }

        // Moves start once the mailbox is fully listed: moving while paging would shift the pages under the listing.
        await Parallel.ForEachAsync(planned, new ParallelOptions { MaxDegreeOfParallelism = options.PerMailboxConcurrency, CancellationToken = ct },
            async (item, token) => await MoveItemAsync(run, item, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Journals a batch of found messages (Planned) within the -MaxMessages quota; returns the ones still to move.</summary>
    private async Task<IEnumerable<ItemRecord>> JournalAsync(ActionRun run, string mailbox, List<MailMessage> batch, CancellationToken ct)
    {
        var items = await store.AddItemsAsync(run.Id,
            batch.Select(m => new NewItem(MessageItemData.Key(mailbox, m.Id), mailbox, MessageItemData.From(mailbox, m).ToJson())), ct).ConfigureAwait(false);
        var open = items.Where(i => i.State is ItemState.Planned or ItemState.InProgress).ToList();
        var keep = new List<ItemRecord>(open.Count);
        foreach (var item in open)
        {
            if (Interlocked.Decrement(ref quotaLeft) < 0)
            {
                limitReached = true;
                Interlocked.Increment(ref quotaLeft);
                await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.Skipped)
                    { Reason = "Not soft deleted: over the -MaxMessages safety limit." }, ct).ConfigureAwait(false);
                Interlocked.Increment(ref finished);
                Emit(run, item, ItemState.Skipped, "Not soft deleted: over the -MaxMessages safety limit.", null, null);
                continue;
            }
            keep.Add(item);
        }
        Interlocked.Add(ref found, keep.Count);
        return keep;
    }

    /// <summary>
    /// Finds a mailbox's matching messages, page by page. By-message mode looks the ids up a few at a time, and ids
    /// that match nothing are journaled as Already (found in Recoverable Items\Deletions) or Failed (not found).
    /// </summary>
    private async IAsyncEnumerable<MailMessage> FindAsync(string mailbox, SoftDeleteRequest request, IReadOnlyList<string>? targets,
        ActionRun? run, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (request.IsCluster)
        {
            var filter = request.Query!.ServerFilter()!;
            string? next = null;
            do
            {
                var page = await caller.CallAsync(mailbox, t => mail.FindPageAsync(mailbox, null, filter, next, PageSize, t), ct).ConfigureAwait(false);
                foreach (var m in page.Messages)
                    if (request.Query.MatchesLocally(m.From)) yield return m;
                next = page.NextLink;
            } while (next is not null && !limitReached);
            yield break;
        }

        foreach (var chunk in (targets ?? []).Chunk(IdsPerLookup))
        {
            var filter = string.Join(" or ", chunk.Select(id => $"internetMessageId eq {ClusterQuery.Quote(id)}"));
            var matched = new HashSet<string>(StringComparer.Ordinal);
            string? next = null;
            do
            {
                var page = await caller.CallAsync(mailbox, t => mail.FindPageAsync(mailbox, null, filter, next, PageSize, t), ct).ConfigureAwait(false);
                foreach (var m in page.Messages)
                {
                    if (m.InternetMessageId is not null) matched.Add(m.InternetMessageId);
                    yield return m;
                }
                next = page.NextLink;
            } while (next is not null);

            var missing = chunk.Where(id => !matched.Contains(id) && !accounted.ContainsKey(mailbox + "|" + id)).ToList();
            if (missing.Count == 0 || run is null) continue;
            var inDeletions = await FindInDeletionsAsync(mailbox, missing, ct).ConfigureAwait(false);
            foreach (var id in missing)
            {
                var already = inDeletions.Contains(id);
                var state = already ? ItemState.Already : ItemState.Failed;
                var reason = already ? "Already in Recoverable Items\\Deletions." : "No message with this internet message id is in the mailbox.";
                var items = await store.AddItemsAsync(run.Id, [new NewItem(MessageItemData.MissingKey(mailbox, id), mailbox,
                    new MessageItemData(mailbox, null, id, null, null, null).ToJson(), state, reason)], ct).ConfigureAwait(false);
                var item = items[0];
                if (item.State == state && item.Reason == reason)
                {
                    Interlocked.Increment(ref finished);
                    if (!already) Interlocked.Increment(ref failed);
                    Emit(run, item, state, reason, already ? null : AirErrorKind.NotFound, null);
                }
            }
        }
    }

    /// <summary>Moves one journaled message, or (after a crash) first checks whether it was already moved.</summary>
    private async Task MoveItemAsync(ActionRun run, ItemRecord item, CancellationToken ct)
    {
        var data = MessageItemData.FromJson(item.DataJson);
        if (data.Id is null) return;
        if (undo)
        {
            await RestoreItemAsync(run, item, data, ct).ConfigureAwait(false);
            return;
        }
        if (item.State == ItemState.InProgress)
        {
            // The journal says a move started but never said how it ended: look before moving again.
            var moved = await VerifyMovedAsync(data, ct).ConfigureAwait(false);
            if (moved is not null)
            {
                await FinishAsync(run, item, ItemState.Done, "Soft deleted (confirmed after an interrupted run).", null, moved, ct).ConfigureAwait(false);
                return;
            }
        }

        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.InProgress) { IncrementAttempts = true }, ct).ConfigureAwait(false);
        try
        {
            var moved = await caller.CallAsync(data.Mailbox,
                t => mail.MoveAsync(data.Mailbox, data.Id, MailApi.RecoverableItemsDeletions, t), ct,
                verify: t => VerifyMovedAsync(data, t)).ConfigureAwait(false);
            await FinishAsync(run, item, ItemState.Done, null, null, moved, ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            // Gone from where we saw it: already remediated (by us earlier, by someone else) or deleted for good.
            var inDeletions = data.InternetMessageId is null ? [] : await FindInDeletionsAsync(data.Mailbox, [data.InternetMessageId], ct).ConfigureAwait(false);
            if (inDeletions.Count > 0)
                await FinishAsync(run, item, ItemState.Already, "Already in Recoverable Items\\Deletions.", null, null, ct).ConfigureAwait(false);
            else
                await FinishAsync(run, item, ItemState.Failed, "The message no longer exists in the mailbox.", AirErrorKind.NotFound, null, ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            await FinishAsync(run, item, ItemState.Failed, Describe(e), e.ToErrorKind(), null, ct).ConfigureAwait(false);
        }
    }

    private async Task FinishAsync(ActionRun run, ItemRecord item, ItemState state, string? reason, AirErrorKind? error, MailMessage? moved, CancellationToken ct)
    {
        var after = moved is null ? null : System.Text.Json.JsonSerializer.Serialize(new { moved.Id, FolderId = moved.ParentFolderId });
        // The outcome is written even if the user pressed Ctrl+C right now: the side effect has happened.
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, state) { Reason = reason, AfterJson = after }, CancellationToken.None).ConfigureAwait(false);
        Interlocked.Increment(ref finished);
        if (state == ItemState.Failed) Interlocked.Increment(ref failed);
        Emit(run, item, state, reason, error, moved);
    }

    private void Emit(ActionRun run, ItemRecord item, ItemState state, string? reason, AirErrorKind? error, MailMessage? moved)
    {
        var data = item.DataJson is null ? null : MessageItemData.FromJson(item.DataJson);
        sink.Item(new MessageResult
        {
            ActionId = run.Id,
            Mailbox = item.Target ?? data?.Mailbox ?? "",
            InternetMessageId = data?.InternetMessageId,
            Subject = data?.Subject,
            MessageId = data?.Id,
            Outcome = state,
            Reason = reason,
            ErrorKind = error,
            FromFolderId = data?.FolderId,
            ToFolderId = moved?.ParentFolderId,
            ReceivedDateTime = data?.Received,
            IsUndo = undo,
        });
    }

    /// <summary>
    /// Undo: moves every message the action soft deleted back to the folder it came from, journaled as its own
    /// action (kind Undo). When every message is back, the original action becomes Undone.
    /// </summary>
    public async Task<RunSummary> UndoAsync(string actionId, AuditContext who, CancellationToken ct)
    {
        var original = await UndoRun.LoadOriginalAsync(store, actionId, [ActionKind.SoftDeleteEmail, ActionKind.SoftDeleteCluster], "a soft delete", ct).ConfigureAwait(false);
        undo = true;
        await using var run = await UndoRun.StartOrResumeAsync(store, original,
            $"Undo of {original.Id}: move soft-deleted messages back to their original folders",
            item => new NewItem(item.Key, item.Target, item.DataJson), who, ct).ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, run.LeaseLost);
        try
        {
            await FinishOpenItemsAsync(run, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var (cancelled, cc) = await run.CancelAsync().ConfigureAwait(false);
            return RunSummary.From(cancelled, cc, run.Elapsed, metrics, note: $"Stopped by the user. Undo-AirAction -Id {actionId} finishes the rest.");
        }
        var (action, counts) = await run.CompleteAsync($"Undo of {original.Id}", CancellationToken.None).ConfigureAwait(false);
        var result = RunSummary.From(action, counts, run.Elapsed, metrics);
        await UndoRun.MarkUndoneAsync(store, original, result, who).ConfigureAwait(false);
        return result;
    }

    private async Task RestoreItemAsync(ActionRun run, ItemRecord item, MessageItemData data, CancellationToken ct)
    {
        var home = data.FolderId ?? "inbox";
        if (item.State == ItemState.InProgress)
        {
            var back = await VerifyInFolderAsync(data, home, ct).ConfigureAwait(false);
            if (back is not null)
            {
                await FinishAsync(run, item, ItemState.Done, "Restored (confirmed after an interrupted run).", null, back, ct).ConfigureAwait(false);
                return;
            }
        }
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.InProgress) { IncrementAttempts = true }, ct).ConfigureAwait(false);
        try
        {
            var moved = await caller.CallAsync(data.Mailbox, t => mail.MoveAsync(data.Mailbox, data.Id!, home, t), ct,
                verify: t => VerifyInFolderAsync(data, home, t)).ConfigureAwait(false);
            await FinishAsync(run, item, ItemState.Done, "Restored to its original folder.", null, moved, ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            await FinishAsync(run, item, ItemState.Failed, "The message is no longer in the mailbox (purged from Recoverable Items?); it cannot be restored.",
                AirErrorKind.NotFound, null, ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            await FinishAsync(run, item, ItemState.Failed, Describe(e), e.ToErrorKind(), null, ct).ConfigureAwait(false);
        }
    }

    private async Task<MailMessage?> VerifyInFolderAsync(MessageItemData data, string folderId, CancellationToken ct)
    {
        try
        {
            var now = await caller.CallAsync(data.Mailbox, t => mail.GetAsync(data.Mailbox, data.Id!, t), ct).ConfigureAwait(false);
            return string.Equals(now.ParentFolderId, folderId, StringComparison.Ordinal) ? now : null;
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>Null if the message is not (yet) in Recoverable Items\Deletions; the message if it is.</summary>
    private async Task<MailMessage?> VerifyMovedAsync(MessageItemData data, CancellationToken ct)
    {
        try
        {
            var now = await caller.CallAsync(data.Mailbox, t => mail.GetAsync(data.Mailbox, data.Id!, t), ct).ConfigureAwait(false);
            var deletions = await DeletionsFolderAsync(data.Mailbox, ct).ConfigureAwait(false);
            return string.Equals(now.ParentFolderId, deletions, StringComparison.Ordinal) ? now : null;
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            if (data.InternetMessageId is null) return null;
            var hits = await FindInDeletionsAsync(data.Mailbox, [data.InternetMessageId], ct).ConfigureAwait(false);
            return hits.Count > 0 ? new MailMessage(data.Id!, data.InternetMessageId, data.Subject, null, null, data.Received) : null;
        }
    }

    private Task<string> DeletionsFolderAsync(string mailbox, CancellationToken ct) =>
        deletionsFolders.GetOrAdd(mailbox, m => caller.CallAsync(m, t => mail.GetFolderIdAsync(m, MailApi.RecoverableItemsDeletions, t), ct));

    /// <summary>The subset of internet message ids found in the mailbox's Recoverable Items\Deletions.</summary>
    private async Task<HashSet<string>> FindInDeletionsAsync(string mailbox, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var hits = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(IdsPerLookup))
        {
            var filter = string.Join(" or ", chunk.Select(id => $"internetMessageId eq {ClusterQuery.Quote(id)}"));
            string? next = null;
            do
            {
                var page = await caller.CallAsync(mailbox, t => mail.FindPageAsync(mailbox, MailApi.RecoverableItemsDeletions, filter, next, PageSize, t), ct).ConfigureAwait(false);
                foreach (var m in page.Messages) if (m.InternetMessageId is not null) hits.Add(m.InternetMessageId);
                next = page.NextLink;
            } while (next is not null);
        }
        return hits;
    }

    private async Task FinishOpenItemsAsync(ActionRun run, CancellationToken ct)
    {
        var open = store.GetItemsAsync(run.Id, new ItemQuery { States = [ItemState.Planned, ItemState.InProgress] }, ct);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = options.GlobalConcurrency, CancellationToken = ct },
            async (item, token) =>
            {
                if (item.Key.EndsWith("|mailbox", StringComparison.Ordinal)) return;
                Account(item);
                Interlocked.Increment(ref found);
                Interlocked.Decrement(ref quotaLeft);
                await MoveItemAsync(run, item, token).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private async Task CarryOverAsync(string previousId, string runId, CancellationToken ct)
    {
        var batch = new List<NewItem>(500);
        await foreach (var item in store.GetItemsAsync(previousId, new ItemQuery { States = [ItemState.Done, ItemState.Already] }, ct).ConfigureAwait(false))
        {
            batch.Add(new NewItem(item.Key, item.Target, item.DataJson, ItemState.Already, $"Already soft deleted by action {previousId}."));
            if (batch.Count == 500) await Flush().ConfigureAwait(false);
        }
        await Flush().ConfigureAwait(false);

        async Task Flush()
        {
            if (batch.Count == 0) return;
            var added = await store.AddItemsAsync(runId, batch, ct).ConfigureAwait(false);
            foreach (var item in added)
            {
                Account(item);
                Interlocked.Increment(ref finished);
                sink.Item(ToResult(runId, item));
            }
            batch.Clear();
        }
    }

    private void Account(ItemRecord item)
    {
        if (item.DataJson is null) return;
        var data = MessageItemData.FromJson(item.DataJson);
        if (data.InternetMessageId is not null) accounted.TryAdd(data.Mailbox + "|" + data.InternetMessageId, 0);
    }

    private static MessageResult ToResult(string actionId, ItemRecord item)
    {
        var data = item.DataJson is null ? null : MessageItemData.FromJson(item.DataJson);
        return new MessageResult
        {
            ActionId = actionId, Mailbox = item.Target ?? data?.Mailbox ?? "", InternetMessageId = data?.InternetMessageId,
            Subject = data?.Subject, MessageId = data?.Id, Outcome = item.State, Reason = item.Reason, FromFolderId = data?.FolderId,
            ReceivedDateTime = data?.Received,
        };
    }

    private async Task RecordInputErrorAsync(ActionRun run, string input, AirException error, CancellationToken ct)
    {
        var items = await store.AddItemsAsync(run.Id, [new NewItem("invalid|" + input, input, null, ItemState.Failed, error.Message)], ct).ConfigureAwait(false);
        Interlocked.Increment(ref finished);
        Interlocked.Increment(ref failed);
        sink.Item(new MessageResult { ActionId = run.Id, Mailbox = input, Outcome = ItemState.Failed, Reason = error.Message, ErrorKind = error.Kind });
        _ = items;
    }

    private async Task RecordMailboxOutcomeAsync(ActionRun run, string mailbox, ItemState state, AirException error, CancellationToken ct)
    {
        await store.AddItemsAsync(run.Id, [new NewItem(MessageItemData.MailboxKey(mailbox), mailbox, null, state, error.Message)], ct).ConfigureAwait(false);
        Interlocked.Increment(ref finished);
        if (state == ItemState.Failed) Interlocked.Increment(ref failed);
        sink.Item(new MessageResult
        {
            ActionId = run.Id, Mailbox = mailbox, Outcome = state, Reason = error.Message,
            ErrorKind = state == ItemState.Failed ? error.Kind : null,
        });
    }

    /// <summary>The mailboxes to search, streamed: the given list, or every user with a mailbox, page by page.</summary>
    private async IAsyncEnumerable<(string Mailbox, IReadOnlyList<string>? Targets)> MailboxesAsync(SoftDeleteRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (!request.IsCluster)
        {
            var groups = request.Messages.GroupBy(m => m.Mailbox, StringComparer.Ordinal).ToList();
            Interlocked.Exchange(ref mailboxesTotal, groups.Count);
            foreach (var g in groups) yield return (g.Key, g.Select(m => m.InternetMessageId).ToList());
            yield break;
        }
        if (!request.AllMailboxes)
        {
            Interlocked.Exchange(ref mailboxesTotal, request.Mailboxes.Count);
            foreach (var m in request.Mailboxes) yield return (m, null);
            yield break;
        }
        string? next = null;
        long seen = 0;
        do
        {
            var page = await caller.CallAsync<UsersPage>(null, async t =>
            {
                var (users, link) = await mail.ListUsersPageAsync(next, t).ConfigureAwait(false);
                return new UsersPage(users, link);
            }, ct).ConfigureAwait(false);
            foreach (var u in page.Users)
            {
                if (u.Mail is null) continue;   // no mailbox to search
                seen++;
                yield return (u.Mail.ToLowerInvariant(), null);
            }
            next = page.NextLink;
            if (next is null) Interlocked.Exchange(ref mailboxesTotal, seen);
        } while (next is not null);
    }

    private sealed record UsersPage(IReadOnlyList<MailboxUser> Users, string? NextLink);

    private static AirException MailboxError(string mailbox, ServiceCallException e) => e.Kind switch
    {
        FailureKind.NotFound => new AirException(AirErrorKind.NotFound, $"Mailbox '{mailbox}' was not found in the tenant.", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.MailboxNotRestEnabled => new AirException(AirErrorKind.MailboxNotRestEnabled,
            $"Mailbox '{mailbox}' cannot be reached through Graph (inactive, soft-deleted, on-premises or without a licence): {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.Forbidden => new AirException(AirErrorKind.AccessDenied,
            $"Access to mailbox '{mailbox}' was denied (403): the app lacks Mail.ReadWrite or the mailbox is outside its scope. {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        _ => new AirException(e.ToErrorKind(), $"Mailbox '{mailbox}' could not be searched: {Describe(e)}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
    };

    private static string Describe(ServiceCallException e) =>
        e.Status is { } s ? $"{s} {e.Code}: {e.Message}" : $"{e.Code}: {e.Message}";

    private static string Describe(SoftDeleteRequest r) => r.IsCluster
        ? $"Soft delete messages matching {r.Query!.Describe()} in {(r.AllMailboxes ? "all mailboxes" : $"{r.Mailboxes.Count} mailbox(es)")} (at most {r.MaxMessages})"
        : $"Soft delete {r.Messages.Count} message(s) in {r.Messages.Select(m => m.Mailbox).Distinct(StringComparer.Ordinal).Count()} mailbox(es)";

    private async Task ReportProgressAsync(ActionRun run, SoftDeleteRequest request, CancellationToken stop)
    {
        var started = session.Clock.GetUtcNow();
        try
        {
            while (true)
            {
                await Task.Delay(ProgressEvery, stop).ConfigureAwait(false);
                sink.Progress(Snapshot(run, request, started, completed: false));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void ReportFinal(ActionRun run, ItemCounts counts) =>
        sink.Progress(new RunProgress { ActionId = run.Id, Activity = "Soft delete", Finished = counts.Finished, Found = counts.Total, Completed = true });

    private RunProgress Snapshot(ActionRun run, SoftDeleteRequest request, DateTimeOffset started, bool completed)
    {
        var elapsed = (session.Clock.GetUtcNow() - started).TotalSeconds;
        var done = Interlocked.Read(ref finished);
        var rate = elapsed > 0 ? done / elapsed : 0;
        var total = Interlocked.Read(ref mailboxesTotal);
        var scanned = Interlocked.Read(ref mailboxesScanned);
        TimeSpan? remaining = null;
        if (total > 0 && scanned > 0 && rate > 0)
        {
            var expectedItems = Interlocked.Read(ref found) * (double)total / scanned;
            remaining = TimeSpan.FromSeconds(Math.Max(0, (expectedItems - done) / rate));
        }
        return new RunProgress
        {
            ActionId = run.Id,
            Activity = request.IsCluster ? "Soft delete email cluster" : "Soft delete email",
            MailboxesScanned = scanned,
            MailboxesTotal = total >= 0 ? total : null,
            Found = Interlocked.Read(ref found),
            Finished = done,
            Failed = Interlocked.Read(ref failed),
            ItemsPerSecond = rate,
            Remaining = remaining,
            ThrottleWaits = metrics.ThrottleWaits,
            Completed = completed,
        };
    }
}
