using AirRemediation.Engine.Actions;
using Microsoft.Data.Sqlite;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The SQLite backend's writes. All of them go through one group-commit writer (<see cref="SqliteWriter"/>): each runs in
/// its own savepoint inside a <c>BEGIN IMMEDIATE</c> transaction, so what it reads and what it writes are the same,
/// latest state, across threads and processes. Reads (the other half of this class) use their own pooled connections.
/// </summary>
internal sealed partial class SqliteBackend(string path, SqliteActionStoreOptions options, string connectionString, SqliteWriter writer) : IStoreBackend
{
    public string Location { get; } = path;

    private async Task<T> WriteAsync<T>(Func<WriteContext, T> work, CancellationToken ct)
    {
        try
        {
            return await writer.EnqueueAsync(work, ct).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.Map(e, Location, options.EffectiveWait);
        }
    }

    // ---------------------------------------------------------------- actions

    public Task<CreateActionResult> InsertActionAsync(ActionInsert insert, CancellationToken ct) => WriteAsync(w =>
    {
        if (insert.EvidenceKey is not null
            && FirstAction(w, $"SELECT {ActionColumns} FROM actions WHERE evidence_key = $e LIMIT 1;", ("$e", insert.EvidenceKey)) is { } byEvidence)
            return new CreateActionResult(byEvidence, false, "EvidenceKey");
        if (insert.DedupeKey is not null && insert.DedupeSince is { } since
            && FirstAction(w, $"SELECT {ActionColumns} FROM actions WHERE dedupe_key = $d AND created_at >= $since ORDER BY created_at DESC LIMIT 1;",
                ("$d", insert.DedupeKey), ("$since", since.UtcTicks)) is { } byDedupe)
            return new CreateActionResult(byDedupe, false, "DedupeKey");
        if (insert.RelatedActionId is { } related && ActionById(w, related) is null)
            throw new AirException(AirErrorKind.NotFound, $"No action with id {related} exists in the action store.", related);
        for (int attempt = 0; ; attempt++)
        {
            var rec = insert.Build(ActionId.New());
            var ins = w.Command($"INSERT INTO actions ({ActionColumns}) VALUES ({ActionValues}) ON CONFLICT (id) DO NOTHING;");
            BindAction(ins, rec);
            if (ins.ExecuteNonQuery() == 1)
            {
                AppendAudit(w, insert.Audit(rec));
                return new CreateActionResult(rec, true, null);
            }
            if (attempt >= 8)
                throw new AirException(AirErrorKind.StoreUnavailable, $"The action store '{Location}' could not allocate a new action id.", Location);
        }
    }, ct);

    public Task<T> UpdateActionAsync<T>(string id, bool withCounts, Func<ActionRecord?, ItemCounts, ActionUpdate<T>> decide, CancellationToken ct) => WriteAsync(w =>
    {
        var cur = ActionById(w, id);
        var counts = ItemCounts.Empty;
        if (cur is not null && withCounts)
        {
            var count = w.Command(CountSql);
            P(count, "$a", id);
            counts = CountItems(count);
        }
        var u = decide(cur, counts);
        if (u.Next is { } next)
        {
            var upd = w.Command($"UPDATE actions SET ({ActionColumns}) = ({ActionValues}) WHERE id = $id AND version = $prev;");
            BindAction(upd, next);
            P(upd, "$prev", cur!.Version);
            if (upd.ExecuteNonQuery() != 1)
                throw new InvalidOperationException("The action changed inside the write transaction."); // cannot happen under BEGIN IMMEDIATE
        }
        if (u.Audit is { } audit) AppendAudit(w, audit);
        return u.Result;
    }, ct);

    // ---------------------------------------------------------------- items

    public Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string id, IReadOnlyList<NewItem> items, DateTimeOffset now, CancellationToken ct) =>
        WriteAsync<IReadOnlyList<ItemRecord>>(w =>
        {
            if (ActionById(w, id) is null)
                throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store.", id);
            var max = w.Command("SELECT coalesce(max(seq), 0) FROM items WHERE action_id = $a;");
            P(max, "$a", id);
            long nextSeq = Convert.ToInt64(max.ExecuteScalar(), CultureInfo.InvariantCulture) + 1;
            var result = new List<ItemRecord>(items.Count);
            foreach (var it in items)
            {
                var ins = w.Command("""
                    INSERT INTO items (action_id, seq, key, target, state, reason, attempts, data_json, updated_at)
                    VALUES ($a, $seq, $key, $target, $state, $reason, 0, $data, $now)
                    ON CONFLICT (action_id, key) DO NOTHING
                    RETURNING
                    """ + " " + ItemColumns + ";");
                P(ins, "$a", id);
                P(ins, "$seq", nextSeq);
                P(ins, "$key", it.Key);
                P(ins, "$target", it.Target);
                P(ins, "$state", it.State.ToString());
                P(ins, "$reason", it.Reason);
                P(ins, "$data", it.DataJson);
                P(ins, "$now", now.UtcTicks);
                ItemRecord? added = null;
                using (var r = ins.ExecuteReader())
                {
                    if (r.Read()) added = ReadItem(r);
                }
                if (added is not null)
                {
                    nextSeq++;
                    result.Add(added);
                    continue;
                }
                var sel = w.Command($"SELECT {ItemColumns} FROM items WHERE action_id = $a AND key = $key;");
                P(sel, "$a", id);
                P(sel, "$key", it.Key);
                using var existing = sel.ExecuteReader();
                existing.Read();
                result.Add(ReadItem(existing));
            }
            return result;
        }, ct);

    public Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string id, IReadOnlyList<ItemUpdate> updates, DateTimeOffset now, CancellationToken ct) =>
        WriteAsync<IReadOnlyList<ItemRecord>>(w => [.. updates.Select(u => ApplyUpdate(w, id, u, now))], ct);

    private ItemRecord ApplyUpdate(WriteContext w, string id, ItemUpdate update, DateTimeOffset now)
    {
        var cmd = w.Command($"""
            UPDATE items SET state = $state, reason = $reason, attempts = attempts + $inc,
                data_json = coalesce($data, data_json), before_json = coalesce($before, before_json),
                after_json = coalesce($after, after_json), updated_at = $now
            WHERE action_id = $a AND seq = $seq
              AND ($owner IS NULL OR EXISTS (SELECT 1 FROM actions WHERE id = $a AND lease_owner = $owner))
            RETURNING {ItemColumns};
            """);
        P(cmd, "$state", update.State.ToString());
        P(cmd, "$reason", update.Reason);
        P(cmd, "$inc", update.IncrementAttempts ? 1 : 0);
        P(cmd, "$data", update.DataJson);
        P(cmd, "$before", update.BeforeJson);
        P(cmd, "$after", update.AfterJson);
        P(cmd, "$now", now.UtcTicks);
        P(cmd, "$a", id);
        P(cmd, "$seq", update.Seq);
        P(cmd, "$owner", update.LeaseOwner);
        using (var r = cmd.ExecuteReader())
        {
            if (r.Read()) return ReadItem(r);
        }
        var probe = w.Command("SELECT 1 FROM items WHERE action_id = $a AND seq = $seq;");
        P(probe, "$a", id);
        P(probe, "$seq", update.Seq);
        if (probe.ExecuteScalar() is null)
            throw new AirException(AirErrorKind.NotFound, $"Action {id} has no item {update.Seq}.", id);
        throw new AirException(AirErrorKind.Conflict,
            $"Action {id} was taken over by another session; this session ({update.LeaseOwner}) no longer holds its lease and stopped.", id);
    }

    // ---------------------------------------------------------------- audit and settings

    public Task<AuditRecord> AppendAuditAsync(AuditDraft draft, CancellationToken ct) => WriteAsync(w => AppendAudit(w, draft), ct);

    /// <summary>Appends an audit entry inside the current write transaction (the chain head is read under the write lock).</summary>
    private static AuditRecord AppendAudit(WriteContext w, AuditDraft draft)
    {
        long lastSeq = 0;
        string prev = AuditChain.Genesis;
        using (var r = w.Command("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1;").ExecuteReader())
        {
            if (r.Read())
            {
                lastSeq = r.GetInt64(0);
                prev = r.GetString(1);
            }
        }
        var rec = AuditChain.Seal(draft, lastSeq, prev);
        var ins = w.Command($"INSERT INTO audit ({AuditColumns}) VALUES ($seq, $a, $at, $actor, $ak, $si, $ev, $from, $to, $reason, $prev, $hash, $fmt, $aid, $pin, $ipin);");
        P(ins, "$seq", rec.Seq);
        P(ins, "$a", rec.ActionId);
        P(ins, "$at", AuditChain.FormatTime(rec.At));
        P(ins, "$actor", rec.Actor);
        P(ins, "$ak", rec.ActorKind.ToString());
        P(ins, "$si", rec.SignIn);
        P(ins, "$ev", rec.Event);
        P(ins, "$from", rec.FromState?.ToString());
        P(ins, "$to", rec.ToState?.ToString());
        P(ins, "$reason", rec.Reason);
        P(ins, "$prev", rec.PrevHash);
        P(ins, "$hash", rec.Hash);
        P(ins, "$fmt", rec.Format);
        P(ins, "$aid", rec.ActorId);
        P(ins, "$pin", rec.Pin);
        P(ins, "$ipin", rec.ItemsPin);
        ins.ExecuteNonQuery();
        return rec;
    }

    public Task<bool> SetSettingAsync(string key, string? value, string updatedBy, DateTimeOffset now, Func<string?, AuditDraft?> audit, CancellationToken ct) =>
        WriteAsync(w =>
        {
            var get = w.Command("SELECT value FROM settings WHERE key = $k;");
            P(get, "$k", key);
            if (audit(get.ExecuteScalar() as string) is not { } draft) return false;
            SqliteCommand cmd;
            if (value is null)
            {
                cmd = w.Command("DELETE FROM settings WHERE key = $k;");
            }
            else
            {
                cmd = w.Command("""
                    INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($k, $v, $now, $by)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by;
                    """);
                P(cmd, "$v", value);
                P(cmd, "$now", now.UtcTicks);
                P(cmd, "$by", updatedBy);
            }
            P(cmd, "$k", key);
            cmd.ExecuteNonQuery();
            AppendAudit(w, draft);
            return true;
        }, ct);

    /// <summary>Waits for queued writes, then closes the file (and releases pooled connections to it).</summary>
    public async ValueTask DisposeAsync()
    {
        await writer.DisposeAsync().ConfigureAwait(false);
        using var c = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(c);
    }
}
