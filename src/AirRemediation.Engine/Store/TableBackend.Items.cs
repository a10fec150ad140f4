using AirRemediation.Engine.Actions;
using Azure;
using Azure.Data.Tables;
using static AirRemediation.Engine.Store.TableEntityMap;

namespace AirRemediation.Engine.Store;

/// <summary>The Azure Table backend's item journal: one partition per action in the items table.</summary>
internal sealed partial class TableBackend
{
    private const int MaxItemsPerBatch = 49;      // 1 counter + 2 entities per item <= 100 operations
    private const int MaxUpdatesPerBatch = 100;

    /// <remarks>Items are written in entity-group transactions of up to 49 items: each item entity, its key-index entity
    /// (<c>K|sha256(key)</c>; a key added before gets 409 and the existing item is returned) and the partition's seq counter
    /// (If-Match), so two sessions adding to the same action never allocate the same Seq or add a key twice.</remarks>
    public Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string id, IReadOnlyList<NewItem> list, DateTimeOffset now, CancellationToken ct) =>
        Guard<IReadOnlyList<ItemRecord>>(async () =>
        {
            if (await GetActionEntity(id, ct).ConfigureAwait(false) is null)
                throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store.", id);
            var byKey = new Dictionary<string, ItemRecord>(StringComparer.Ordinal);
            foreach (var chunk in list.Chunk(MaxItemsPerBatch))
                await AddChunk(id, [.. chunk], now, byKey, ct).ConfigureAwait(false);
            return list.Select(i => byKey[i.Key]).ToList();
        }, ct);

    private Task AddChunk(string id, List<NewItem> pending, DateTimeOffset now, Dictionary<string, ItemRecord> byKey, CancellationToken ct) =>
        Optimistic<bool>(async t =>
        {
            if (pending.Count == 0) return new(true);
            var counter = await GetAsync(items, id, ItemCounterKey, t).ConfigureAwait(false);
            long nextSeq = counter?.GetInt64("Next") ?? 1;
            var newCounter = new TableEntity(id, ItemCounterKey) { ["Next"] = nextSeq + pending.Count };
            var ops = new List<TableTransactionAction>(1 + 2 * pending.Count)
            {
                counter is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, newCounter)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, newCounter, counter.ETag),
            };
            var records = new List<ItemRecord>(pending.Count);
            foreach (var it in pending)
            {
                var rec = new ItemRecord
                {
                    ActionId = id, Seq = nextSeq++, Key = it.Key, Target = it.Target, State = it.State, Reason = it.Reason,
                    Attempts = 0, DataJson = it.DataJson, UpdatedAt = now,
                };
                records.Add(rec);
                ops.Add(new TableTransactionAction(TableTransactionActionType.Add, ToEntity(rec)));
                ops.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(id, ItemKeyRow(it.Key)) { ["Seq"] = rec.Seq }));
            }
            try
            {
                await items.SubmitTransactionAsync(ops, t).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (IsConflict(e))
            {
                // A key that exists already, or another writer moved the counter: take out the keys that exist, retry the rest.
                int? failed = (e as TableTransactionFailedException)?.FailedTransactionActionIndex;
                var suspects = failed is int f && f > 0 && f % 2 == 0 ? [pending[(f - 2) / 2]] : e.Status == 409 ? pending.ToList() : [];
                foreach (var it in suspects)
                {
                    if (await ReadItemByKey(id, it.Key, t).ConfigureAwait(false) is { } existing)
                    {
                        byKey[it.Key] = existing;
                        pending.Remove(it);
                    }
                }
                throw;
            }
            foreach (var r in records) byKey[r.Key] = r;
            return new(true);
        }, ct);

    private async Task<ItemRecord?> ReadItemByKey(string id, string key, CancellationToken ct)
    {
        var idx = await GetAsync(items, id, ItemKeyRow(key), ct).ConfigureAwait(false);
        if (idx?.GetInt64("Seq") is not { } seq) return null;
        var e = await GetAsync(items, id, ItemRow(seq), ct).ConfigureAwait(false);
        return e is null ? null : ToItem(e, Location);
    }

    /// <remarks>Up to 100 updates per entity-group transaction, each conditional on the item's ETag (a concurrent update of the
    /// same item makes the batch re-read and re-apply). A LeaseOwner is checked against the action before each batch: the
    /// action and its items live in different partitions, so a lost lease is noticed at the next batch at the latest; the
    /// run's final transition (ExpectedLeaseOwner) is atomic.</remarks>
    public Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string id, IReadOnlyList<ItemUpdate> updates, DateTimeOffset now, CancellationToken ct) =>
        Guard<IReadOnlyList<ItemRecord>>(async () =>
        {
            var result = new List<ItemRecord>(updates.Count);
            var chunk = new List<ItemUpdate>();
            var seqs = new HashSet<long>();
            foreach (var u in updates)
            {
                // A batch may touch an item once: a second update of the same item starts the next batch.
                if (chunk.Count == MaxUpdatesPerBatch || !seqs.Add(u.Seq))
                {
                    result.AddRange(await UpdateChunk(id, chunk, now, ct).ConfigureAwait(false));
                    chunk = [];
                    seqs = [u.Seq];
                }
                chunk.Add(u);
            }
            if (chunk.Count > 0) result.AddRange(await UpdateChunk(id, chunk, now, ct).ConfigureAwait(false));
            return result;
        }, ct);

    private Task<List<ItemRecord>> UpdateChunk(string id, List<ItemUpdate> chunk, DateTimeOffset now, CancellationToken ct) =>
        Optimistic<List<ItemRecord>>(async t =>
        {
            var entities = await Task.WhenAll(chunk.Select(u => GetAsync(items, id, ItemRow(u.Seq), t))).ConfigureAwait(false);
            for (int i = 0; i < chunk.Count; i++)
            {
                if (entities[i] is null) throw new AirException(AirErrorKind.NotFound, $"Action {id} has no item {chunk[i].Seq}.", id);
            }
            var owners = chunk.Select(u => u.LeaseOwner).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (owners.Count > 0)
            {
                var action = await ReadAction(id, t).ConfigureAwait(false);
                foreach (var owner in owners.Where(o => !string.Equals(action?.LeaseOwner, o, StringComparison.Ordinal)))
                    throw new AirException(AirErrorKind.Conflict,
                        $"Action {id} was taken over by another session; this session ({owner}) no longer holds its lease and stopped.", id);
            }
            var next = new List<ItemRecord>(chunk.Count);
            var ops = new List<TableTransactionAction>(chunk.Count);
            for (int i = 0; i < chunk.Count; i++)
            {
                var u = chunk[i];
                var cur = ToItem(entities[i]!, Location);
                var rec = cur with
                {
                    State = u.State,
                    Reason = u.Reason,
                    Attempts = cur.Attempts + (u.IncrementAttempts ? 1 : 0),
                    DataJson = u.DataJson ?? cur.DataJson,
                    BeforeJson = u.BeforeJson ?? cur.BeforeJson,
                    AfterJson = u.AfterJson ?? cur.AfterJson,
                    UpdatedAt = now,
                };
                next.Add(rec);
                ops.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(rec), entities[i]!.ETag));
            }
            if (ops.Count == 1) await items.UpdateEntityAsync(ops[0].Entity, ops[0].ETag, TableUpdateMode.Replace, t).ConfigureAwait(false);
            else await items.SubmitTransactionAsync(ops, t).ConfigureAwait(false);
            return new(next);
        }, ct);

    public Task<ItemRecord?> GetItemAsync(string id, string key, CancellationToken ct) => Guard(() => ReadItemByKey(id, key, ct), ct);

    public async IAsyncEnumerable<ItemRecord> GetItemsAsync(string id, ItemQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        int pageSize = Math.Clamp(query.PageSize, 1, 1000);
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {ItemRow(query.AfterSeq)} and RowKey lt {PrefixEnd(ItemPrefix)}");
        if (query.States is { Count: > 0 })
            filter += " and (" + string.Join(" or ", query.States.Select(s => TableClient.CreateQueryFilter($"State eq {s.ToString()}"))) + ")";
        await foreach (var e in Pages(items, filter, pageSize, ct).ConfigureAwait(false)) yield return ToItem(e, Location);
    }

    public Task<ItemCounts> CountItemsAsync(string id, CancellationToken ct) => Guard(() => CountItems(id, ct), ct);

    private async Task<ItemCounts> CountItems(string id, CancellationToken ct)
    {
        var n = new long[6];
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {ItemPrefix} and RowKey lt {PrefixEnd(ItemPrefix)}");
        await foreach (var e in items.QueryAsync<TableEntity>(filter, 1000, ["State"], ct).ConfigureAwait(false))
        {
            if (Enum.TryParse<ItemState>(e.GetString("State"), out var s) && (int)s is >= 0 and < 6) n[(int)s]++;
        }
        return new ItemCounts(n[0], n[1], n[2], n[3], n[4], n[5]);
    }
}
