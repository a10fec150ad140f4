using System.Collections.Concurrent;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>
/// One run of a soft delete (of specific messages or of a cluster), or of its undo. Discovery: mailboxes are the units
/// (the given ones, or every user with a mailbox, page by page); each is searched (by query, or its internet message ids
/// ten at a time) and every match is a finding. Apply: each message is moved to Recoverable Items\Deletions — or, for an
/// undo, back to the folder it came from — at most four at a time per mailbox, and a message whose move was started by an
/// interrupted run is looked up before it is moved again.
/// </summary>
internal sealed partial class SoftDeleteRun : KindRun
{
    private const int PageSize = 100;
    private const int IdsPerLookup = 10;

    private readonly SoftDeleteRequest? request;
    private readonly MailApi mail;
    private readonly ServiceCaller caller;
    private readonly ConcurrentDictionary<string, Task<string>> deletionsFolders = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<string>> idsByMailbox = new(StringComparer.Ordinal);
    // (mailbox|internetMessageId) pairs this run already accounts for through journaled items (carried over or resumed),
    // so a by-message lookup that finds nothing left to move does not count them a second time.
    private readonly ConcurrentDictionary<string, byte> accounted = new(StringComparer.Ordinal);
    private long quotaLeft = long.MaxValue;
    private volatile bool limitReached;

    /// <summary>A run over <paramref name="request"/>; null for an undo run, which only moves its journal's messages back.</summary>
    public SoftDeleteRun(RunContext run, SoftDeleteRequest? request) : base(run)
    {
        this.request = request;
        mail = new MailApi(run.Session.Graph);
        caller = run.Caller;
        if (request is { IsCluster: false })
            foreach (var g in request.Messages.GroupBy(m => m.Mailbox, StringComparer.Ordinal))
                idsByMailbox[g.Key] = [.. g.Select(m => m.InternetMessageId)];
    }

    /// <summary>
    /// Before anything is journaled: how a cluster is found (message trace or the full scan, <see cref="TraceAsync"/>).
    /// For the full scan, a cluster from an internal sender alone cannot be narrowed on the server (Graph's sender filter
    /// misses internal senders, so the sender is matched here): refused, naming what to add.
    /// </summary>
    public override async Task PrepareAsync(CancellationToken ct)
    {
        if (request?.Query is not { } q) return;
        if (await TraceAsync(request, q, ct).ConfigureAwait(false)) return;
        if (q.ServerFilter(Run.Session.Principal.TenantDomains) is null)
            throw new AirException(AirErrorKind.InvalidInput,
                $"-Sender {q.Sender} is in this tenant's own domain, and Graph's sender filter does not find internal senders: alone it would read every message of every mailbox. Add -Subject or -ReceivedAfter (or another condition) to narrow the search; the sender is then matched exactly on each message.",
                q.Sender);
    }

    /// <summary>
    /// Mailboxes worked on at once. A mailbox of the full scan may hold many matches (a page of them per worker, up to
    /// four moves in flight), so <see cref="RetryOptions.MailboxParallelism"/> of them. A mailbox message trace named
    /// holds the few copies it received: its search and its move are one chain of round trips with one request in flight,
    /// so as many run at once as the session allows requests in flight (<see cref="RetryOptions.GlobalConcurrency"/>);
    /// with fewer, a cluster of a few hundred mailboxes waits on its own round trips rather than on any limit.
    /// </summary>
    public override int UnitParallelism => trace is null
        ? Run.Options.MailboxParallelism
        : Math.Max(Run.Options.MailboxParallelism, Run.Options.GlobalConcurrency);
    public override bool StopDiscovery => limitReached;
    public override bool LimitReached => limitReached;

    public override string? Note => string.Join(" ", new[]
    {
        limitReached && request is not null
            ? $"Stopped at -MaxMessages {request.MaxMessages}: more messages match. Raise -MaxMessages and run the same command again to continue."
            : null,
        discoveryNote,
    }.Where(n => n is not null)) is { Length: > 0 } note ? note : null;

    /// <summary>The -MaxMessages quota left: what this action has not already used (its items, except those that were already remediated).</summary>
    public override async Task BeginAsync(CancellationToken ct)
    {
        if (request is null) return;
        var existing = await Run.Store.GetItemCountsAsync(Run.Id, ct).ConfigureAwait(false);
        quotaLeft = Math.Max(0, request.MaxMessages - (existing.Total - existing.Already));
        // A resumed trace run: what the journal already holds (moved, skipped or failed before the stop) is not looked
        // for again, so a mailbox whose copies are all accounted for is not searched at all. (A trace run is targeted:
        // its journal is small enough to read whole.)
        if (trace is not null && existing.Total > 0)
            await foreach (var item in Run.Store.GetItemsAsync(Run.Id, new ItemQuery(), ct).ConfigureAwait(false)) Known(item);
    }

    public override void Known(ItemRecord item)
    {
        if (item.DataJson is null) return;
        var data = MessageItemData.FromJson(item.DataJson);
        if (data.InternetMessageId is not null) accounted.TryAdd(data.Mailbox + "|" + data.InternetMessageId, 0);
    }

    // ---------------------------------------------------------------- discovery

    /// <summary>Directory lookups of trace recipients in flight at once (each resolves 15 addresses): 24 cover a cluster of
    /// 360 mailboxes in one round trip; a wider one is looked up in rounds, each group searched as soon as its lookup is back.</summary>
    private const int ParallelLookups = 24;

    // The trace's mailboxes in groups of 15 and each group's address lookup, started as soon as the trace answered.
    private (List<string[]> Groups, List<Task> Lookups)? traceLookups;

    /// <summary>
    /// Every address is known once the trace has answered: resolve them to user keys 15 to a request instead of one request
    /// per mailbox, several lookups at once, while the action is recorded. Lookups are read-only and only an optimisation
    /// (<see cref="UserKeys.PrefetchAsync"/>): a group whose lookup failed is resolved mailbox by mailbox when searched.
    /// </summary>
    private (List<string[]> Groups, List<Task> Lookups) StartLookups(SoftDeleteRequest request, CancellationToken ct)
    {
        var groups = trace!.IdsByMailbox.Keys
            .Where(m => request.AllMailboxes || request.Mailboxes.Contains(m, StringComparer.OrdinalIgnoreCase))
            .Chunk(UserKeys.AddressesPerLookup).ToList();
        var gate = new SemaphoreSlim(ParallelLookups);
        var lookups = groups.Select(async g =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try { await mail.Keys.PrefetchAsync(g, caller, ct).ConfigureAwait(false); }
            finally { gate.Release(); }
        }).ToList();
        // A run that stops before its units are listed (a conflict, Ctrl+C) leaves these behind: observe their end.
        foreach (var l in lookups) _ = l.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        traceLookups = (groups, lookups);
        return traceLookups.Value;
    }

    /// <summary>The mailboxes to search, streamed: the request's, or every user with a mailbox, page by page.</summary>
    public override async IAsyncEnumerable<string> UnitsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (request is null) yield break;
        if (trace is not null)
        {
            // Only the mailboxes message trace says received the mail (within the request's mailboxes, if it names them),
            // each group handed on as soon as its own address lookup is back (started when the trace answered).
            var (groups, lookups) = traceLookups ?? StartLookups(request, ct);
            Run.Counters.SetUnitsTotal(groups.Sum(g => g.Length) + (trace.Skipped.Count > 0 ? 1 : 0));
            if (trace.Skipped.Count > 0) yield return TraceSkippedUnit;
            for (var i = 0; i < groups.Count; i++)
            {
                await lookups[i].ConfigureAwait(false);
                foreach (var m in groups[i]) yield return m;
            }
            yield break;
        }
        if (!request.IsCluster || !request.AllMailboxes)
        {
            var list = request.IsCluster ? request.Mailboxes : [.. idsByMailbox.Keys];
            Run.Counters.SetUnitsTotal(list.Count);
            foreach (var m in list) yield return m;
            yield break;
        }
        string? next = null;
        long seen = 0;
        do
        {
            var (users, link) = await UsersPageAsync(next, ct).ConfigureAwait(false);
            foreach (var u in users)
            {
                if (u.Mail is null) continue;   // no mailbox to search
                seen++;
                yield return u.Mail.ToLowerInvariant();
            }
            next = link;
        } while (next is not null);
        Run.Counters.SetUnitsTotal(seen);
    }

    private async Task<(IReadOnlyList<MailboxUser> Users, string? NextLink)> UsersPageAsync(string? next, CancellationToken ct)
    {
        try
        {
            var page = await caller.CallAsync(null, async t => new UsersPage(await mail.ListUsersPageAsync(next, t).ConfigureAwait(false)), ct).ConfigureAwait(false);
            return page.Value;
        }
        catch (ServiceCallException e)
        {
            // Listing mailboxes failed for good (403 on /users, say): nothing more can be searched.
            throw new AirException(e.ToErrorKind(), $"Could not enumerate mailboxes: {e.Message}") { HttpStatus = e.Status, ServiceCode = e.Code };
        }
    }

    private sealed record UsersPage((IReadOnlyList<MailboxUser> Users, string? NextLink) Value);

    public override IAsyncEnumerable<Finding> DiscoverAsync(string mailbox, CancellationToken ct) =>
        trace is not null ? TraceFindingsAsync(mailbox, request!.Query!, ct)
        : request!.IsCluster ? SearchAsync(mailbox, request.Query!, ct) : LookUpAsync(mailbox, idsByMailbox[mailbox], ct);

    /// <summary>Cluster mode: every message of the mailbox matching the query.</summary>
    private async IAsyncEnumerable<Finding> SearchAsync(string mailbox, ClusterQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = query.ServerFilter(Run.Session.Principal.TenantDomains)!;
        string? next = null;
        Finding? failure = null;
        do
        {
            MessagePage page;
            try
            {
                page = await caller.CallAsync(mailbox, t => mail.FindPageAsync(mailbox, null, filter, next, PageSize, t), ct).ConfigureAwait(false);
            }
            catch (ServiceCallException e)
            {
                failure = MailboxFailure(mailbox, e);
                break;
            }
            foreach (var m in page.Messages)
            {
                if (!query.MatchesLocally(m.From) || !query.MatchesSubject(m.Subject)) continue;
                // Graph's /messages lists Teams chat items too; a chat is not mail and is never moved. Reported, so a
                // compromised account's chats are visible to whoever reads the run.
                yield return FoundOrChat(mailbox, m);
            }
            next = page.NextLink;
        } while (next is not null && !limitReached);
        if (failure is not null) yield return failure;
    }

    /// <summary>
    /// By-message mode: the ids are looked up a few at a time; an id that matches nothing is Already (it is in
    /// Recoverable Items\Deletions) or Failed (not in the mailbox).
    /// </summary>
    private async IAsyncEnumerable<Finding> LookUpAsync(string mailbox, IReadOnlyList<string> ids, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var chunk in ids.Chunk(IdsPerLookup))
        {
            var filter = OData.AnyOf("internetMessageId", chunk);
            var matched = new HashSet<string>(StringComparer.Ordinal);
            var found = new List<Finding>();
            Finding? failure = null;
            try
            {
                string? next = null;
                do
                {
                    var page = await caller.CallAsync(mailbox, t => mail.FindPageAsync(mailbox, null, filter, next, PageSize, t), ct).ConfigureAwait(false);
                    foreach (var m in page.Messages)
                    {
                        if (m.InternetMessageId is not null) matched.Add(m.InternetMessageId);
                        found.Add(Found(mailbox, m));
                    }
                    next = page.NextLink;
                } while (next is not null);
                var missing = chunk.Where(id => !matched.Contains(id) && !accounted.ContainsKey(mailbox + "|" + id)).ToList();
                var inDeletions = missing.Count == 0 ? [] : await FindInDeletionsAsync(mailbox, missing, ct).ConfigureAwait(false);
                foreach (var id in missing)
                {
                    var already = inDeletions.Contains(id);
                    found.Add(new Finding(MessageItemData.MissingKey(mailbox, id), mailbox, new MessageItemData(mailbox, null, id, null, null, null).ToJson(),
                        already ? ItemState.Already : ItemState.Failed,
                        already ? "Already in Recoverable Items\\Deletions." : "No message with this internet message id is in the mailbox.")
                    { Outcome = already ? ItemOutcome.None : new ItemOutcome(Error: AirErrorKind.NotFound) });
                }
            }
            catch (ServiceCallException e)
            {
                failure = MailboxFailure(mailbox, e);
            }
            foreach (var f in found) yield return f;
            if (failure is not null)
            {
                yield return failure;
                yield break;
            }
        }
    }

    /// <summary>A message found for the cluster, or (a Teams chat item) the reason it is not moved.</summary>
    private static Finding FoundOrChat(string mailbox, MailMessage m) => m.IsTeamsChat
        ? new Finding(MessageItemData.Key(mailbox, m.Id), mailbox, MessageItemData.From(mailbox, m).ToJson(), ItemState.Skipped,
            $"A Teams chat message ({m.ItemClass}), not mail: not moved.")
        : Found(mailbox, m);

    private static Finding Found(string mailbox, MailMessage m) =>
        new(MessageItemData.Key(mailbox, m.Id), mailbox, MessageItemData.From(mailbox, m).ToJson());

    /// <summary>A mailbox that could not be searched: Failed — or Skipped in a tenant-wide run, for a user without a REST mailbox.</summary>
    private Finding MailboxFailure(string mailbox, ServiceCallException e)
    {
        var error = SoftDeleteErrors.Mailbox(mailbox, e);
        var skip = request is { AllMailboxes: true } && e.Kind == FailureKind.MailboxNotRestEnabled;
        return new Finding(MessageItemData.MailboxKey(mailbox), mailbox, null, skip ? ItemState.Skipped : ItemState.Failed, error.Message)
        {
            Outcome = skip ? ItemOutcome.None : new ItemOutcome(Error: error.Kind),
        };
    }

    /// <summary>Within the -MaxMessages quota, the open items go on to be moved; the rest are Skipped and discovery stops.</summary>
    public override async Task<IReadOnlyList<ItemRecord>> AdmitAsync(IReadOnlyList<ItemRecord> open, CancellationToken ct)
    {
        var keep = new List<ItemRecord>(open.Count);
        foreach (var item in open)
        {
            if (Interlocked.Decrement(ref quotaLeft) < 0)
            {
                limitReached = true;
                Interlocked.Increment(ref quotaLeft);
                await Run.FinishAsync(item, ItemState.Skipped, "Not soft deleted: over the -MaxMessages safety limit.").ConfigureAwait(false);
                continue;
            }
            keep.Add(item);
        }
        return keep;
    }

    // ---------------------------------------------------------------- apply

    public override async Task ApplyAsync(IReadOnlyList<ItemRecord> items, CancellationToken ct)
    {
        // At most four requests per mailbox are in flight anyway (the caller's mailbox gates); more tasks would only queue.
        var mailboxes = items.Select(i => i.Target).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        var parallel = Math.Clamp(mailboxes * Run.Options.PerMailboxConcurrency, 1, Run.Options.GlobalConcurrency);
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct },
            async (item, token) =>
            {
                var data = MessageItemData.FromJson(item.DataJson);
                if (data.Id is null)
                    await Run.FinishAsync(item, ItemState.Failed, "The journal names no message to move.", new ItemOutcome(Error: AirErrorKind.InvalidInput)).ConfigureAwait(false);
                else if (!Run.IsUndo && !InScope(item, data))
                    await Run.FinishAsync(item, ItemState.Failed,
                        $"The journal names a message outside this action's mailboxes or messages ({DisplayText.Safe(data.Mailbox)}): it was changed outside AirRemediation and is not moved.",
                        new ItemOutcome(Error: AirErrorKind.Tampered)).ConfigureAwait(false);
                else if (Run.IsUndo)
                    await RestoreAsync(item, data, token).ConfigureAwait(false);
                else
                    await MoveAsync(item, data, token).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// True when a journaled item is one this action's request can produce: its mailbox is one of the request's (any, for
    /// -AllMailboxes) and, for specific messages, its internet message id is one the request names for that mailbox.
    /// </summary>
    private bool InScope(ItemRecord item, MessageItemData data)
    {
        if (request is null) return true;
        if (!string.Equals(item.Target, data.Mailbox, StringComparison.OrdinalIgnoreCase)) return false;
        if (request.IsCluster)
            return request.AllMailboxes || request.Mailboxes.Contains(data.Mailbox, StringComparer.OrdinalIgnoreCase);
        return idsByMailbox.FirstOrDefault(p => string.Equals(p.Key, data.Mailbox, StringComparison.OrdinalIgnoreCase)).Value is { } ids
            && data.InternetMessageId is not null && ids.Contains(data.InternetMessageId, StringComparer.Ordinal);
    }

    /// <summary>Moves one journaled message, or (after an interruption) first checks whether it was already moved.</summary>
    private async Task MoveAsync(ItemRecord item, MessageItemData data, CancellationToken ct)
    {
        if (item.State == ItemState.InProgress)
        {
            // The journal says a move started but never said how it ended: look before moving again.
            var moved = await VerifyMovedAsync(data, ct).ConfigureAwait(false);
            if (moved is not null)
            {
                await Moved(item, "Soft deleted (confirmed after an interrupted run).", moved).ConfigureAwait(false);
                return;
            }
        }
        item = await Run.StartAsync(item, ct).ConfigureAwait(false);
        try
        {
            var moved = await caller.CallAsync(data.Mailbox, t => mail.MoveAsync(data.Mailbox, data.Id!, MailApi.RecoverableItemsDeletions, t), ct,
                verify: t => VerifyMovedAsync(data, t)).ConfigureAwait(false);
            await Moved(item, null, moved).ConfigureAwait(false);
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            // Gone from where we saw it: already remediated (by us earlier, by someone else) or deleted for good.
            var inDeletions = data.InternetMessageId is null ? [] : await FindInDeletionsAsync(data.Mailbox, [data.InternetMessageId], ct).ConfigureAwait(false);
            if (inDeletions.Count > 0)
                await Run.FinishAsync(item, ItemState.Already, "Already in Recoverable Items\\Deletions.").ConfigureAwait(false);
            else
                await Run.FinishAsync(item, ItemState.Failed, "The message no longer exists in the mailbox.", new ItemOutcome(Error: AirErrorKind.NotFound)).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            await Run.FinishAsync(item, ItemState.Failed, SoftDeleteErrors.Describe(e), new ItemOutcome(Error: e.ToErrorKind())).ConfigureAwait(false);
        }
    }

    /// <summary>Undo: moves a soft-deleted message back to the folder it came from.</summary>
    private async Task RestoreAsync(ItemRecord item, MessageItemData data, CancellationToken ct)
    {
        var home = data.FolderId ?? "inbox";
        if (item.State == ItemState.InProgress)
        {
            var back = await VerifyInFolderAsync(data, home, ct).ConfigureAwait(false);
            if (back is not null)
            {
                await Moved(item, "Restored (confirmed after an interrupted run).", back).ConfigureAwait(false);
                return;
            }
        }
        item = await Run.StartAsync(item, ct).ConfigureAwait(false);
        try
        {
            var moved = await caller.CallAsync(data.Mailbox, t => mail.MoveAsync(data.Mailbox, data.Id!, home, t), ct,
                verify: t => VerifyInFolderAsync(data, home, t)).ConfigureAwait(false);
            await Moved(item, "Restored to its original folder.", moved).ConfigureAwait(false);
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            await Run.FinishAsync(item, ItemState.Failed, "The message is no longer in the mailbox (purged from Recoverable Items?); it cannot be restored.",
                new ItemOutcome(Error: AirErrorKind.NotFound)).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            await Run.FinishAsync(item, ItemState.Failed, SoftDeleteErrors.Describe(e), new ItemOutcome(Error: e.ToErrorKind())).ConfigureAwait(false);
        }
    }

    private Task Moved(ItemRecord item, string? reason, MailMessage moved) =>
        Run.FinishAsync(item, ItemState.Done, reason, new ItemOutcome(Detail: moved),
            afterJson: System.Text.Json.JsonSerializer.Serialize(new { moved.Id, FolderId = moved.ParentFolderId }));

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
            var filter = OData.AnyOf("internetMessageId", chunk);
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
}
