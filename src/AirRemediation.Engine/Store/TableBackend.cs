using AirRemediation.Engine.Actions;
using Azure;
using Azure.Data.Tables;
using static AirRemediation.Engine.Store.TableEntityMap;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The Azure Table backend. Two tables: <c>&lt;prefix&gt;queue</c> holds actions, the audit chain, its head, settings and
/// the evidence index in one partition, so an action write, its audit entry and the chain head change in one entity-group
/// transaction with If-Match on the action and the head (of racing writers on any machine exactly one wins; the loser
/// re-reads and decides again); <c>&lt;prefix&gt;items</c> holds each action's item journal in a partition of its own
/// (the other half of this class). See docs/STORE.md.
/// </summary>
internal sealed partial class TableBackend(string location, TableClient queue, TableClient items) : IStoreBackend
{
    private const int MaxConflictRetries = 2000;
    private int disposed;

    public string Location { get; } = location;

    internal TableClient Queue => queue;

    internal TableClient Items => items;

    /// <summary>Creates the tables on first use and refuses a store written by a newer schema.</summary>
    public Task InitializeAsync(CancellationToken ct) => Guard(async () =>
    {
        await queue.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
        await items.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
        var v = await GetAsync(queue, QueuePartition, VersionKey, ct).ConfigureAwait(false);
        if (v is null)
        {
            try
            {
                await queue.AddEntityAsync(new TableEntity(QueuePartition, VersionKey) { ["SchemaVersion"] = SchemaVersion }, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // another session created it first
            }
        }
        else if ((v.GetInt32("SchemaVersion") ?? 0) > SchemaVersion)
        {
            throw new AirException(AirErrorKind.StoreUnavailable,
                $"The action store at {Location} was written by a newer version of AirRemediation (store schema {v.GetInt32("SchemaVersion")}; this version understands {SchemaVersion}). Update the module.", Location);
        }
        return 0;
    }, ct);

    // ---------------------------------------------------------------- plumbing

    private async Task<T> Guard<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ct.ThrowIfCancellationRequested();
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && TableErrors.IsStoreFailure(e))
        {
            throw TableErrors.Map(e, Location);
        }
    }

    private static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412;

    /// <summary>Runs <paramref name="attempt"/> until it returns a result; null means it lost a race to another writer (re-read and decide again).</summary>
    private Task<T> Optimistic<T>(Func<CancellationToken, Task<Box<T>?>> attempt, CancellationToken ct) => Guard(async () =>
    {
        for (int n = 0; ; n++)
        {
            if (n >= MaxConflictRetries)
                throw new AirException(AirErrorKind.StoreUnavailable,
                    $"The action store at {Location} is too busy: a write lost {n} races in a row to other sessions. Try again.", Location);
            // A little random wait, so racing writers do not collide again in lockstep.
            if (n > 0) await Task.Delay(Random.Shared.Next(0, Math.Min(40, 2 + n * 2)), ct).ConfigureAwait(false);
            try
            {
                if (await attempt(ct).ConfigureAwait(false) is { } done) return done.Value;
            }
            catch (RequestFailedException e) when (IsConflict(e))
            {
                // Someone else wrote first (or an id collided): re-read and re-evaluate.
            }
        }
    }, ct);

    private sealed record Box<T>(T Value);

    private static async Task<TableEntity?> GetAsync(TableClient t, string pk, string rk, CancellationToken ct)
    {
        var r = await t.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? r.Value : null;
    }

    private Task<TableEntity?> GetActionEntity(string id, CancellationToken ct) => GetAsync(queue, QueuePartition, ActionRow(id), ct);

    private async Task<ActionRecord?> ReadAction(string id, CancellationToken ct) =>
        await GetActionEntity(id, ct).ConfigureAwait(false) is { } e ? ToAction(e, Location) : null;

    private Task<TableEntity?> GetHead(CancellationToken ct) => GetAsync(queue, QueuePartition, HeadKey, ct);

    /// <summary>The operations that append one audit entry and move the chain head, conditional on the head read before.</summary>
    private static AuditRecord ChainOps(List<TableTransactionAction> ops, TableEntity? head, AuditDraft draft)
    {
        var rec = AuditChain.Seal(draft, head?.GetInt64("Seq") ?? 0, head?.GetString("Hash") ?? AuditChain.Genesis);
        var newHead = new TableEntity(QueuePartition, HeadKey) { ["Seq"] = rec.Seq, ["Hash"] = rec.Hash };
        ops.Add(head is null
            ? new TableTransactionAction(TableTransactionActionType.Add, newHead)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, newHead, head.ETag));
        ops.Add(new TableTransactionAction(TableTransactionActionType.Add, ToEntity(rec)));
        return rec;
    }

    private static string ActionRange => $"PartitionKey eq '{QueuePartition}' and RowKey ge '{ActionPrefix}' and RowKey lt '{PrefixEnd(ActionPrefix)}'";

    // ---------------------------------------------------------------- actions

    public Task<CreateActionResult> InsertActionAsync(ActionInsert insert, CancellationToken ct) => Optimistic<CreateActionResult>(async t =>
    {
        // The head is read first: any write that commits after this moves it, so the checks below stay true exactly as
        // long as the head-conditional batch succeeds.
        var head = await GetHead(t).ConfigureAwait(false);
        if (insert.EvidenceKey is not null && await FindEvidence(insert.EvidenceKey, t).ConfigureAwait(false) is { } byEvidence)
            return new(new CreateActionResult(byEvidence, false, "EvidenceKey"));
        if (insert.DedupeKey is not null && insert.DedupeSince is { } since && await FindDedupe(insert.DedupeKey, since, t).ConfigureAwait(false) is { } byDedupe)
            return new(new CreateActionResult(byDedupe, false, "DedupeKey"));
        if (insert.RelatedActionId is { } related && await GetActionEntity(related, t).ConfigureAwait(false) is null)
            throw new AirException(AirErrorKind.NotFound, $"No action with id {related} exists in the action store.", related);
        var rec = insert.Build(ActionId.New());
        var ops = new List<TableTransactionAction> { new(TableTransactionActionType.Add, ToEntity(rec)) };
        if (rec.EvidenceKey is not null)
            // The evidence index entity makes "never queued twice" hold even without the head: a second insert gets 409.
            ops.Add(new TableTransactionAction(TableTransactionActionType.Add,
                new TableEntity(QueuePartition, EvidenceRow(rec.EvidenceKey)) { ["ActionId"] = rec.Id, ["EvidenceKey"] = rec.EvidenceKey }));
        ChainOps(ops, head, insert.Audit(rec));
        await queue.SubmitTransactionAsync(ops, t).ConfigureAwait(false);
        return new(new CreateActionResult(rec, true, null));
    }, ct);

    public Task<T> UpdateActionAsync<T>(string id, bool withCounts, Func<ActionRecord?, ItemCounts, ActionUpdate<T>> decide, CancellationToken ct) =>
        Optimistic<T>(async t =>
        {
            var entity = await GetActionEntity(id, t).ConfigureAwait(false);
            var cur = entity is null ? null : ToAction(entity, Location);
            var counts = cur is not null && withCounts ? await CountItems(id, t).ConfigureAwait(false) : ItemCounts.Empty;
            var u = decide(cur, counts);
            if (u.Next is not { } next) return new(u.Result);
            if (u.Audit is not { } audit)
            {
                await queue.UpdateEntityAsync(ToEntity(next), entity!.ETag, TableUpdateMode.Replace, t).ConfigureAwait(false);
                return new(u.Result);
            }
            var ops = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, ToEntity(next), entity!.ETag) };
            ChainOps(ops, await GetHead(t).ConfigureAwait(false), audit);
            await queue.SubmitTransactionAsync(ops, t).ConfigureAwait(false);
            return new(u.Result);
        }, ct);

    private async Task<ActionRecord?> FindEvidence(string evidenceKey, CancellationToken ct)
    {
        var idx = await GetAsync(queue, QueuePartition, EvidenceRow(evidenceKey), ct).ConfigureAwait(false);
        return idx?.GetString("ActionId") is { } id ? await ReadAction(id, ct).ConfigureAwait(false) : null;
    }

    private async Task<ActionRecord?> FindDedupe(string dedupeKey, DateTimeOffset since, CancellationToken ct)
    {
        string filter = ActionRange + " and " + TableClient.CreateQueryFilter($"DedupeKey eq {dedupeKey} and CreatedTicks ge {since.UtcTicks}");
        ActionRecord? best = null;
        await foreach (var e in queue.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            var a = ToAction(e, Location);
            if (best is null || a.CreatedAt > best.CreatedAt || (a.CreatedAt == best.CreatedAt && string.CompareOrdinal(a.Id, best.Id) > 0)) best = a;
        }
        return best;
    }

    public Task<ActionRecord?> GetActionAsync(string id, CancellationToken ct) => Guard(() => ReadAction(id, ct), ct);

    public Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken ct) =>
        Guard(() => FindDedupe(dedupeKey, createdSince, ct), ct);

    public Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken ct) => Guard(() => FindEvidence(evidenceKey, ct), ct);

    /// <remarks>Tables return entities in key order, not by time: the matching actions are fetched page by page with the
    /// filter applied by the service (state, kind, id prefix, investigation, related action, creation window), then ordered
    /// newest first here. Memory grows with the number of matches, not with the queue.</remarks>
    public async IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        var filter = new List<string>();
        if (!string.IsNullOrEmpty(query.IdPrefix))
        {
            string p = ActionPrefix + StoreChecks.NormalizePrefix(query.IdPrefix);
            filter.Add(TableClient.CreateQueryFilter($"PartitionKey eq {QueuePartition} and RowKey ge {p} and RowKey lt {p + "~"}"));
        }
        else
        {
            filter.Add(ActionRange);
        }
        if (query.States is { Count: > 0 })
            filter.Add("(" + string.Join(" or ", query.States.Select(s => TableClient.CreateQueryFilter($"State eq {s.ToString()}"))) + ")");
        if (query.Kind is { } k) filter.Add(TableClient.CreateQueryFilter($"Kind eq {k.ToString()}"));
        if (query.InvestigationId is not null) filter.Add(TableClient.CreateQueryFilter($"InvestigationId eq {query.InvestigationId}"));
        if (query.RelatedActionId is not null) filter.Add(TableClient.CreateQueryFilter($"RelatedActionId eq {StoreChecks.Id(query.RelatedActionId)}"));
        if (query.CreatedSince is { } since) filter.Add(TableClient.CreateQueryFilter($"CreatedTicks ge {since.UtcTicks}"));
        if (query.CreatedUntil is { } until) filter.Add(TableClient.CreateQueryFilter($"CreatedTicks lt {until.UtcTicks}"));
        string f = string.Join(" and ", filter);
        int pageSize = Math.Clamp(query.PageSize, 1, 1000);

        var found = await Guard(async () =>
        {
            var list = new List<ActionRecord>();
            await foreach (var e in queue.QueryAsync<TableEntity>(f, pageSize, cancellationToken: ct).ConfigureAwait(false))
            {
                var a = ToAction(e, Location);
                if (query.ProposedBy is null || string.Equals(a.ProposedBy, query.ProposedBy, StringComparison.OrdinalIgnoreCase)) list.Add(a);
            }
            list.Sort((x, y) => x.CreatedAt != y.CreatedAt ? y.CreatedAt.CompareTo(x.CreatedAt) : string.CompareOrdinal(y.Id, x.Id));
            return list;
        }, ct).ConfigureAwait(false);
        foreach (var a in found.Take((int)Math.Min(int.MaxValue, query.Limit ?? long.MaxValue)))
        {
            ct.ThrowIfCancellationRequested();
            yield return a;
        }
    }

    // ---------------------------------------------------------------- audit and settings

    public Task<AuditRecord> AppendAuditAsync(AuditDraft draft, CancellationToken ct) => Optimistic<AuditRecord>(async t =>
    {
        var ops = new List<TableTransactionAction>(2);
        var rec = ChainOps(ops, await GetHead(t).ConfigureAwait(false), draft);
        await queue.SubmitTransactionAsync(ops, t).ConfigureAwait(false);
        return new(rec);
    }, ct);

    public async IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId, [EnumeratorCancellation] CancellationToken ct)
    {
        string filter = $"PartitionKey eq '{QueuePartition}' and RowKey gt '{AuditPrefix}' and RowKey lt '{PrefixEnd(AuditPrefix)}'";
        if (actionId is not null) filter += " and " + TableClient.CreateQueryFilter($"ActionId eq {actionId}");
        await foreach (var e in Pages(queue, filter, 1000, ct).ConfigureAwait(false)) yield return ToAudit(e);
    }

    /// <summary>Entities of a query, page by page, each page read under <see cref="Guard"/>.</summary>
    private async IAsyncEnumerable<TableEntity> Pages(TableClient table, string filter, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        string? continuation = null;
        do
        {
            var (page, next) = await Guard(async () =>
            {
                await foreach (var p in table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: ct).AsPages(continuation, pageSize).ConfigureAwait(false))
                    return (p.Values, p.ContinuationToken);
                return ((IReadOnlyList<TableEntity>)[], (string?)null);
            }, ct).ConfigureAwait(false);
            foreach (var e in page) yield return e;
            continuation = next;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    /// <remarks>Tables have no snapshots: the trail is read, then the actions. A transition committed in between can make an
    /// action look ahead of its trail, so a state mismatch is re-checked with a fresh read (up to three times) before it is reported.</remarks>
    public Task<AuditVerification> VerifyAsync(Func<AuditChainVerifier> verifier, CancellationToken ct) => Guard(async () =>
    {
        AuditVerification result = null!;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            result = await VerifyOnce(verifier(), ct).ConfigureAwait(false);
            if (result.IsValid || result.Problem != AuditProblem.ActionStateMismatch) return result;
            await Task.Delay(50 * (attempt + 1), ct).ConfigureAwait(false);
        }
        return result;
    }, ct);

    private async Task<AuditVerification> VerifyOnce(AuditChainVerifier v, CancellationToken ct)
    {
        // Read before the entries, so entries appended meanwhile by other writers come after the entry it names.
        if (await GetHead(ct).ConfigureAwait(false) is { } head)
            v.ExpectTableHead(head.GetInt64("Seq") ?? -1, head.GetString("Hash") ?? "");
        await foreach (var r in GetAuditAsync(null, ct).ConfigureAwait(false))
        {
            if (!v.Add(r)) return v.Result();
        }
        await foreach (var e in queue.QueryAsync<TableEntity>(ActionRange, 1000, cancellationToken: ct).ConfigureAwait(false))
        {
            ActionRecord a;
            try
            {
                a = ToAction(e, Location);
            }
            catch (AirException)
            {
                v.Unreadable(e.GetString("Id") ?? e.RowKey, e.GetString("State"));
                break;
            }
            if (!v.Check(a)) break;
        }
        return v.Result();
    }

    public Task<string?> GetSettingAsync(string key, CancellationToken ct) =>
        Guard(async () => (await GetAsync(queue, QueuePartition, SettingRow(key), ct).ConfigureAwait(false))?.GetString("Value"), ct);

    public Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken ct) => Guard<IReadOnlyDictionary<string, string>>(async () =>
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string filter = $"PartitionKey eq '{QueuePartition}' and RowKey ge '{SettingPrefix}' and RowKey lt '{PrefixEnd(SettingPrefix)}'";
        await foreach (var e in queue.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            if (e.GetString("Key") is { } k && e.GetString("Value") is { } v) d[k] = v;
        }
        return d;
    }, ct);

    public Task<bool> SetSettingAsync(string key, string? value, string updatedBy, DateTimeOffset now, Func<string?, AuditDraft?> audit, CancellationToken ct) =>
        Optimistic<bool>(async t =>
        {
            var head = await GetHead(t).ConfigureAwait(false);
            var current = await GetAsync(queue, QueuePartition, SettingRow(key), t).ConfigureAwait(false);
            if (audit(current?.GetString("Value")) is not { } draft) return new(false);
            var ops = new List<TableTransactionAction>(3);
            if (value is null)
            {
                ops.Add(new TableTransactionAction(TableTransactionActionType.Delete, current!, current!.ETag));
            }
            else
            {
                var e = new TableEntity(QueuePartition, SettingRow(key)) { ["Key"] = key, ["Value"] = value, ["UpdatedTicks"] = now.UtcTicks, ["UpdatedBy"] = updatedBy };
                ops.Add(current is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, e)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, e, current.ETag));
            }
            ChainOps(ops, head, draft);
            await queue.SubmitTransactionAsync(ops, t).ConfigureAwait(false);
            return new(true);
        }, ct);

    /// <summary>The service clients hold no connections of their own; this only stops further use.</summary>
    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref disposed, 1);
        return ValueTask.CompletedTask;
    }
}
