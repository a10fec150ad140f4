using AirRemediation.Engine.Actions;
using Microsoft.Data.Sqlite;

namespace AirRemediation.Engine.Store;

/// <summary>The SQLite backend's reads (each on a pooled connection of its own) and its row mapping.</summary>
internal sealed partial class SqliteBackend
{
    private const string ActionColumns =
        "id, kind, state, created_at, updated_at, proposed_by, approved_by, decided_at, expires_at, investigation_id, evidence_key, " +
        "dedupe_key, parameters_json, summary, related_action_id, c_planned, c_in_progress, c_done, c_already, c_failed, c_skipped, " +
        "lease_owner, lease_expires_at, version, proposer_id, approver_id";

    private const string ActionValues =
        "$id, $kind, $state, $created, $updated, $by, $ab, $da, $exp, $inv, $ev, $dd, $params, $summary, $rel, " +
        "$c0, $c1, $c2, $c3, $c4, $c5, $lo, $le, $v, $pid, $aid";

    private const string ItemColumns = "action_id, seq, key, target, state, reason, attempts, data_json, before_json, after_json, updated_at";

    private const string AuditColumns = "seq, action_id, at, actor, actor_kind, sign_in, event, from_state, to_state, reason, prev_hash, hash, " +
        "format, actor_id, pin, items_pin";

    private const string CountSql = "SELECT state, count(*) FROM items WHERE action_id = $a GROUP BY state;";

    private T Read<T>(Func<SqliteConnection, T> work)
    {
        try
        {
            using var c = SqliteActionStore.OpenConnection(connectionString, options);
            return work(c);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.Map(e, Location, options.EffectiveWait);
        }
    }

    internal string Pragma(string name) => Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"PRAGMA {name};";
        return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    });

    // ---------------------------------------------------------------- mapping

    private static void P(SqliteCommand cmd, string name, object? value) => cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);

    private static long? Ticks(DateTimeOffset? t) => t?.UtcTicks;

    private static DateTimeOffset? FromTicks(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : new DateTimeOffset(r.GetInt64(i), TimeSpan.Zero);

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static void BindAction(SqliteCommand cmd, ActionRecord a)
    {
        P(cmd, "$id", a.Id);
        P(cmd, "$kind", a.Kind.ToString());
        P(cmd, "$state", a.State.ToString());
        P(cmd, "$created", a.CreatedAt.UtcTicks);
        P(cmd, "$updated", a.UpdatedAt.UtcTicks);
        P(cmd, "$by", a.ProposedBy);
        P(cmd, "$ab", a.ApprovedBy);
        P(cmd, "$da", Ticks(a.DecidedAt));
        P(cmd, "$exp", Ticks(a.ExpiresAt));
        P(cmd, "$inv", a.InvestigationId);
        P(cmd, "$ev", a.EvidenceKey);
        P(cmd, "$dd", a.DedupeKey);
        P(cmd, "$params", a.ParametersJson);
        P(cmd, "$summary", a.Summary);
        P(cmd, "$rel", a.RelatedActionId);
        P(cmd, "$c0", a.Counts.Planned);
        P(cmd, "$c1", a.Counts.InProgress);
        P(cmd, "$c2", a.Counts.Done);
        P(cmd, "$c3", a.Counts.Already);
        P(cmd, "$c4", a.Counts.Failed);
        P(cmd, "$c5", a.Counts.Skipped);
        P(cmd, "$lo", a.LeaseOwner);
        P(cmd, "$le", Ticks(a.LeaseExpiresAt));
        P(cmd, "$v", a.Version);
        P(cmd, "$pid", a.ProposerId);
        P(cmd, "$aid", a.ApproverId);
    }

    private T ParseEnum<T>(string s) where T : struct, Enum =>
        Enum.TryParse<T>(s, out var v) && string.Equals(v.ToString(), s, StringComparison.Ordinal)
            ? v
            : throw new AirException(AirErrorKind.StoreUnavailable,
                $"The action store '{Location}' holds a value this version does not understand ('{s}' as {typeof(T).Name}); it is damaged or was written by a newer version.", Location);

    /// <summary>For audit rows: an unknown value must not stop verification; it maps to an out-of-range value so its hash fails.</summary>
    private static T ParseLoose<T>(string s) where T : struct, Enum =>
        Enum.TryParse<T>(s, out var v) && string.Equals(v.ToString(), s, StringComparison.Ordinal) ? v : (T)(object)(-1);

    private ActionRecord ReadAction(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        Kind = ParseEnum<ActionKind>(r.GetString(1)),
        State = ParseEnum<ActionState>(r.GetString(2)),
        CreatedAt = FromTicks(r, 3)!.Value,
        UpdatedAt = FromTicks(r, 4)!.Value,
        ProposedBy = r.GetString(5),
        ApprovedBy = Str(r, 6),
        DecidedAt = FromTicks(r, 7),
        ExpiresAt = FromTicks(r, 8),
        InvestigationId = Str(r, 9),
        EvidenceKey = Str(r, 10),
        DedupeKey = Str(r, 11),
        ParametersJson = r.GetString(12),
        Summary = Str(r, 13),
        RelatedActionId = Str(r, 14),
        Counts = new ItemCounts(r.GetInt64(15), r.GetInt64(16), r.GetInt64(17), r.GetInt64(18), r.GetInt64(19), r.GetInt64(20)),
        LeaseOwner = Str(r, 21),
        LeaseExpiresAt = FromTicks(r, 22),
        Version = r.GetInt64(23),
        ProposerId = Str(r, 24),
        ApproverId = Str(r, 25),
    };

    private ItemRecord ReadItem(SqliteDataReader r) => new()
    {
        ActionId = r.GetString(0),
        Seq = r.GetInt64(1),
        Key = r.GetString(2),
        Target = Str(r, 3),
        State = ParseEnum<ItemState>(r.GetString(4)),
        Reason = Str(r, 5),
        Attempts = r.GetInt32(6),
        DataJson = Str(r, 7),
        BeforeJson = Str(r, 8),
        AfterJson = Str(r, 9),
        UpdatedAt = FromTicks(r, 10)!.Value,
    };

    private static AuditRecord ReadAudit(SqliteDataReader r)
    {
        DateTimeOffset at;
        try
        {
            at = AuditChain.ParseTime(r.GetString(2));
        }
        catch (FormatException)
        {
            at = DateTimeOffset.MinValue; // tampered text: the hash check will name the entry
        }
        return new AuditRecord
        {
            Seq = r.GetInt64(0),
            ActionId = Str(r, 1),
            At = at,
            Actor = r.GetString(3),
            ActorKind = ParseLoose<ActorKind>(r.GetString(4)),
            SignIn = Str(r, 5),
            Event = r.GetString(6),
            FromState = r.IsDBNull(7) ? null : ParseLoose<ActionState>(r.GetString(7)),
            ToState = r.IsDBNull(8) ? null : ParseLoose<ActionState>(r.GetString(8)),
            Reason = Str(r, 9),
            PrevHash = r.GetString(10),
            Hash = r.GetString(11),
            Format = r.GetInt32(12),
            ActorId = Str(r, 13),
            Pin = Str(r, 14),
            ItemsPin = Str(r, 15),
        };
    }

    private static ItemCounts CountItems(SqliteCommand cmd)
    {
        var n = new long[6];
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            if (Enum.TryParse<ItemState>(r.GetString(0), out var s) && (int)s is >= 0 and < 6) n[(int)s] = r.GetInt64(1);
        }
        return new ItemCounts(n[0], n[1], n[2], n[3], n[4], n[5]);
    }

    private ActionRecord? ActionById(WriteContext w, string id) => FirstAction(w, $"SELECT {ActionColumns} FROM actions WHERE id = $id;", ("$id", id));

    private ActionRecord? FirstAction(WriteContext w, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = w.Command(sql);
        foreach (var (n, v) in args) P(cmd, n, v);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadAction(r) : null;
    }

    private ActionRecord? FirstAction(string sql, params (string Name, object? Value)[] args) => Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) P(cmd, n, v);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadAction(r) : null;
    });

    // ---------------------------------------------------------------- reads

    public Task<ActionRecord?> GetActionAsync(string id, CancellationToken ct) =>
        Task.FromResult(FirstAction($"SELECT {ActionColumns} FROM actions WHERE id = $id;", ("$id", id)));

    public Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken ct) =>
        Task.FromResult(FirstAction($"SELECT {ActionColumns} FROM actions WHERE dedupe_key = $d AND created_at >= $since ORDER BY created_at DESC LIMIT 1;",
            ("$d", dedupeKey), ("$since", createdSince.UtcTicks)));

    public Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken ct) =>
        Task.FromResult(FirstAction($"SELECT {ActionColumns} FROM actions WHERE evidence_key = $e LIMIT 1;", ("$e", evidenceKey)));

    public async IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        int pageSize = Math.Clamp(query.PageSize, 1, 5000);
        long remaining = query.Limit ?? long.MaxValue;
        long? lastCreated = null;
        string? lastId = null;
        while (remaining > 0)
        {
            ct.ThrowIfCancellationRequested();
            int take = (int)Math.Min(pageSize, remaining);
            var page = Read(c => QueryPage(c, query, lastCreated, lastId, take));
            foreach (var a in page) yield return a;
            remaining -= page.Count;
            if (page.Count < take) yield break;
            lastCreated = page[^1].CreatedAt.UtcTicks;
            lastId = page[^1].Id;
            await Task.Yield();
        }
    }

    private List<ActionRecord> QueryPage(SqliteConnection c, ActionQuery q, long? lastCreated, string? lastId, int take)
    {
        using var cmd = c.CreateCommand();
        var where = new List<string>();
        if (q.States is { Count: > 0 })
        {
            var names = q.States.Select((s, i) => { P(cmd, "$s" + i, s.ToString()); return "$s" + i; }).ToList();
            where.Add($"state IN ({string.Join(", ", names)})");
        }
        if (q.Kind is { } k) { where.Add("kind = $kind"); P(cmd, "$kind", k.ToString()); }
        if (!string.IsNullOrEmpty(q.IdPrefix)) { where.Add("substr(id, 1, length($pfx)) = $pfx"); P(cmd, "$pfx", StoreChecks.NormalizePrefix(q.IdPrefix)); }
        if (q.ProposedBy is not null) { where.Add("proposed_by = $by COLLATE NOCASE"); P(cmd, "$by", q.ProposedBy); }
        if (q.InvestigationId is not null) { where.Add("investigation_id = $inv"); P(cmd, "$inv", q.InvestigationId); }
        if (q.RelatedActionId is not null) { where.Add("related_action_id = $rel"); P(cmd, "$rel", StoreChecks.Id(q.RelatedActionId)); }
        if (q.CreatedSince is { } since) { where.Add("created_at >= $since"); P(cmd, "$since", since.UtcTicks); }
        if (q.CreatedUntil is { } until) { where.Add("created_at < $until"); P(cmd, "$until", until.UtcTicks); }
        if (lastCreated is { } lc)
        {
            where.Add("(created_at < $lc OR (created_at = $lc AND id < $lid))");
            P(cmd, "$lc", lc);
            P(cmd, "$lid", lastId);
        }
        cmd.CommandText = $"SELECT {ActionColumns} FROM actions {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at DESC, id DESC LIMIT $take;";
        P(cmd, "$take", take);
        var list = new List<ActionRecord>(take);
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add(ReadAction(r));
        return list;
    }

    public Task<ItemRecord?> GetItemAsync(string id, string key, CancellationToken ct) => Task.FromResult(Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {ItemColumns} FROM items WHERE action_id = $a AND key = $key;";
        P(cmd, "$a", id);
        P(cmd, "$key", key);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadItem(r) : null;
    }));

    public async IAsyncEnumerable<ItemRecord> GetItemsAsync(string id, ItemQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        int pageSize = Math.Clamp(query.PageSize, 1, 10_000);
        long after = query.AfterSeq;
        string[]? states = query.States is { Count: > 0 } ? query.States.Select(s => s.ToString()).ToArray() : null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var page = Read(c =>
            {
                using var cmd = c.CreateCommand();
                string filter = "";
                if (states is not null)
                {
                    filter = " AND state IN (" + string.Join(", ", states.Select((_, i) => "$s" + i)) + ")";
                    for (int i = 0; i < states.Length; i++) P(cmd, "$s" + i, states[i]);
                }
                cmd.CommandText = $"SELECT {ItemColumns} FROM items WHERE action_id = $a AND seq > $after{filter} ORDER BY seq LIMIT $take;";
                P(cmd, "$a", id);
                P(cmd, "$after", after);
                P(cmd, "$take", pageSize);
                var list = new List<ItemRecord>(pageSize);
                using var r = cmd.ExecuteReader();
                while (r.Read()) list.Add(ReadItem(r));
                return list;
            });
            foreach (var item in page) yield return item;
            if (page.Count < pageSize) yield break;
            after = page[^1].Seq;
            await Task.Yield();
        }
    }

    public Task<ItemCounts> CountItemsAsync(string id, CancellationToken ct) => Task.FromResult(Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = CountSql;
        P(cmd, "$a", id);
        return CountItems(cmd);
    }));

    public async IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId, [EnumeratorCancellation] CancellationToken ct)
    {
        const int pageSize = 1000;
        long after = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var page = Read(c =>
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = actionId is null
                    ? $"SELECT {AuditColumns} FROM audit WHERE seq > $after ORDER BY seq LIMIT $take;"
                    : $"SELECT {AuditColumns} FROM audit WHERE action_id = $a AND seq > $after ORDER BY seq LIMIT $take;";
                P(cmd, "$after", after);
                P(cmd, "$take", pageSize);
                if (actionId is not null) P(cmd, "$a", actionId);
                var list = new List<AuditRecord>(pageSize);
                using var r = cmd.ExecuteReader();
                while (r.Read()) list.Add(ReadAudit(r));
                return list;
            });
            foreach (var a in page) yield return a;
            if (page.Count < pageSize) yield break;
            after = page[^1].Seq;
            await Task.Yield();
        }
    }

    /// <remarks>The trail and then every action are read inside one read transaction, so both come from the same snapshot
    /// and a change committed meanwhile by another session cannot look like tampering. Memory stays flat in the trail's length.</remarks>
    public Task<AuditVerification> VerifyAsync(Func<AuditChainVerifier> verifier, CancellationToken ct) => Task.FromResult(Read(c =>
    {
        var v = verifier();
        using var tx = c.BeginTransaction(deferred: true); // read-only snapshot (WAL): writers carry on meanwhile
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT {AuditColumns} FROM audit ORDER BY seq;";
            using var r = cmd.ExecuteReader();
            for (int n = 1; r.Read(); n++)
            {
                if (n % 4096 == 0) ct.ThrowIfCancellationRequested();
                if (!v.Add(ReadAudit(r))) return v.Result();
            }
        }
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT {ActionColumns} FROM actions;";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                ActionRecord a;
                try
                {
                    a = ReadAction(r);
                }
                catch (AirException)
                {
                    v.Unreadable(r.GetString(0), r.GetString(2));
                    break;
                }
                if (!v.Check(a)) break;
            }
        }
        tx.Commit();
        return v.Result();
    }));

    public Task<string?> GetSettingAsync(string key, CancellationToken ct) => Task.FromResult(Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value FROM settings WHERE key = $k;";
        P(cmd, "$k", key);
        return cmd.ExecuteScalar() as string;
    }));

    public Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyDictionary<string, string>>(Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT key, value FROM settings ORDER BY key;";
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using var r = cmd.ExecuteReader();
        while (r.Read()) d[r.GetString(0)] = r.GetString(1);
        return d;
    }));
}
