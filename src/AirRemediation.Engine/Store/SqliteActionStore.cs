using System.Globalization;
using System.Runtime.CompilerServices;
using AirRemediation.Engine.Actions;
using Microsoft.Data.Sqlite;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The action store in one SQLite file (WAL). Safe for many threads of one process and for many processes on the same file:
/// every conditional write runs inside <c>BEGIN IMMEDIATE</c>, so its check and its write see the same, latest state.
/// All writes of this instance go through one group-commit writer; reads use their own pooled connections.
/// </summary>
public sealed class SqliteActionStore : IActionStore
{
    private const string ActionColumns =
        "id, kind, state, created_at, updated_at, proposed_by, approved_by, decided_at, expires_at, investigation_id, evidence_key, " +
        "dedupe_key, parameters_json, summary, related_action_id, c_planned, c_in_progress, c_done, c_already, c_failed, c_skipped, " +
        "lease_owner, lease_expires_at, version";

    private const string ItemColumns =
        "action_id, seq, key, target, state, reason, attempts, data_json, before_json, after_json, updated_at";

    private const string AuditColumns =
        "seq, action_id, at, actor, actor_kind, sign_in, event, from_state, to_state, reason, prev_hash, hash";

    private readonly string _connectionString;
    private readonly SqliteActionStoreOptions _options;
    private readonly SqliteWriter _writer;
    private int _disposed;

    private SqliteActionStore(string path, SqliteActionStoreOptions options, TimeProvider clock, string connectionString, SqliteWriter writer)
    {
        Location = path;
        _options = options;
        Clock = clock;
        _connectionString = connectionString;
        _writer = writer;
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <inheritdoc/>
    public TimeProvider Clock { get; }

    /// <summary>
    /// Opens (and on first use creates) the store at <paramref name="path"/>; its folder is created if missing.
    /// Throws AirException(StoreUnavailable) if the file is damaged, not a store, locked, or not accessible.
    /// </summary>
    public static SqliteActionStore Open(string? path = null, SqliteActionStoreOptions? options = null, TimeProvider? clock = null)
    {
        options ??= new SqliteActionStoreOptions();
        clock ??= TimeProvider.System;
        path = Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? ActionStorePaths.DefaultSqlitePath : path);
        try
        {
            var dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SqliteErrors.MapIo(e, path);
        }

        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = options.CommandTimeoutSeconds,
        }.ToString();

        SqliteConnection? writerConnection = null;
        try
        {
            writerConnection = OpenConnection(cs, options);
            EnsureSchema(writerConnection, path);
            var writer = new SqliteWriter(writerConnection, options.MaxBatch);
            return new SqliteActionStore(path, options, clock, cs, writer);
        }
        catch (SqliteException e)
        {
            writerConnection?.Dispose();
            using (var forPool = new SqliteConnection(cs))
            {
                SqliteConnection.ClearPool(forPool); // let go of the file (a damaged one may be replaced by the admin)
            }
            throw SqliteErrors.Map(e, path, options.EffectiveWait);
        }
        catch
        {
            writerConnection?.Dispose();
            throw;
        }
    }

    /// <summary>Async form of <see cref="Open"/>.</summary>
    public static Task<SqliteActionStore> OpenAsync(string? path = null, SqliteActionStoreOptions? options = null, TimeProvider? clock = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Open(path, options, clock), cancellationToken);

    private static SqliteConnection OpenConnection(string cs, SqliteActionStoreOptions options)
    {
        var c = new SqliteConnection(cs);
        try
        {
            c.Open();
            // One statement per command: Microsoft.Data.Sqlite stops after a statement that returns a row (these PRAGMAs do).
            foreach (var sql in new[]
            {
                string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={(long)options.BusyTimeout.TotalMilliseconds};"),
                options.FullSync ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;",
            })
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = sql;
                cmd.ExecuteNonQuery();
            }
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    private static void EnsureSchema(SqliteConnection c, string path)
    {
        long version = Scalar(c, null, "PRAGMA user_version;");
        if (version == 0)
        {
            // journal_mode persists in the file; it cannot change inside a transaction, so set it before creating.
            using (var wal = c.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                wal.ExecuteNonQuery();
            }
            using var tx = c.BeginTransaction();
            version = Scalar(c, tx, "PRAGMA user_version;");
            if (version == 0)
            {
                if (Scalar(c, tx, "SELECT count(*) FROM sqlite_master;") > 0)
                {
                    throw new AirException(AirErrorKind.StoreUnavailable,
                        $"The action store '{path}' is a SQLite database of another application, not an AirRemediation action store. Use another file.", path);
                }
                using var create = c.CreateCommand();
                create.Transaction = tx;
                create.CommandText = SqliteSchema.Create + $"\nPRAGMA user_version={SqliteSchema.Version};";
                create.ExecuteNonQuery();
                version = SqliteSchema.Version;
            }
            tx.Commit();
        }
        if (version > SqliteSchema.Version)
        {
            throw new AirException(AirErrorKind.StoreUnavailable,
                $"The action store '{path}' was written by a newer version of AirRemediation (store schema {version}; this version understands {SqliteSchema.Version}). Update the module.", path);
        }
    }

    private static long Scalar(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a PRAGMA on a connection configured like the store's own (for tests).</summary>
    internal string Pragma(string name) => Read(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"PRAGMA {name};";
        return Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    });

    // ---------------------------------------------------------------- plumbing

    private async Task<T> WriteAsync<T>(Func<WriteContext, T> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            return await _writer.EnqueueAsync(work, ct).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.Map(e, Location, _options.EffectiveWait);
        }
    }

    private T Read<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            using var c = OpenConnection(_connectionString, _options);
            return work(c);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.Map(e, Location, _options.EffectiveWait);
        }
    }

    private static void P(SqliteCommand cmd, string name, object? value) => cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);

    private static long? Ticks(DateTimeOffset? t) => t?.UtcTicks;

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private static DateTimeOffset? FromTicks(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : FromTicks(r.GetInt64(i));

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

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
        CreatedAt = FromTicks(r.GetInt64(3)),
        UpdatedAt = FromTicks(r.GetInt64(4)),
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
        UpdatedAt = FromTicks(r.GetInt64(10)),
    };

    private static AuditRecord ReadAudit(SqliteDataReader r)
    {
        string at = r.GetString(2);
        DateTimeOffset atValue;
        try
        {
            atValue = AuditChain.ParseTime(at);
        }
        catch (FormatException)
        {
            atValue = DateTimeOffset.MinValue; // tampered text: the hash check will name the entry
        }
        return new AuditRecord
        {
            Seq = r.GetInt64(0),
            ActionId = Str(r, 1),
            At = atValue,
            Actor = r.GetString(3),
            ActorKind = ParseLoose<ActorKind>(r.GetString(4)),
            SignIn = Str(r, 5),
            Event = r.GetString(6),
            FromState = r.IsDBNull(7) ? null : ParseLoose<ActionState>(r.GetString(7)),
            ToState = r.IsDBNull(8) ? null : ParseLoose<ActionState>(r.GetString(8)),
            Reason = Str(r, 9),
            PrevHash = r.GetString(10),
            Hash = r.GetString(11),
        };
    }

    private ActionRecord? ActionById(SqliteConnection c, SqliteTransaction? tx, string id)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"SELECT {ActionColumns} FROM actions WHERE id = $id;";
        P(cmd, "$id", id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadAction(r) : null;
    }

    private ActionRecord? ActionById(WriteContext w, string id)
    {
        var cmd = w.Command($"SELECT {ActionColumns} FROM actions WHERE id = $id;");
        P(cmd, "$id", id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadAction(r) : null;
    }

    private ActionRecord? FirstAction(WriteContext w, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = w.Command(sql);
        foreach (var (n, v) in args)
        {
            P(cmd, n, v);
        }
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadAction(r) : null;
    }

    private static ItemCounts CountItems(SqliteCommand cmd)
    {
        long planned = 0, inProgress = 0, done = 0, already = 0, failed = 0, skipped = 0;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            long n = r.GetInt64(1);
            switch (r.GetString(0))
            {
                case nameof(ItemState.Planned): planned = n; break;
                case nameof(ItemState.InProgress): inProgress = n; break;
                case nameof(ItemState.Done): done = n; break;
                case nameof(ItemState.Already): already = n; break;
                case nameof(ItemState.Failed): failed = n; break;
                case nameof(ItemState.Skipped): skipped = n; break;
                default: break;
            }
        }
        return new ItemCounts(planned, inProgress, done, already, failed, skipped);
    }

    private const string CountSql = "SELECT state, count(*) FROM items WHERE action_id = $a GROUP BY state;";

    /// <summary>Appends an audit entry inside the current write transaction (the chain head is read under the write lock).</summary>
    private static AuditRecord AppendAudit(WriteContext w, DateTimeOffset now, string? actionId, string evt, AuditContext who,
        ActionState? from, ActionState? to, string? reason)
    {
        long lastSeq = 0;
        string prev = AuditChain.Genesis;
        var head = w.Command("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1;");
        using (var r = head.ExecuteReader())
        {
            if (r.Read())
            {
                lastSeq = r.GetInt64(0);
                prev = r.GetString(1);
            }
        }
        var rec = AuditChain.Seal(new AuditRecord
        {
            Seq = lastSeq + 1,
            ActionId = actionId,
            At = now,
            Actor = who.Actor,
            ActorKind = who.ActorKind,
            SignIn = who.SignIn,
            Event = evt,
            FromState = from,
            ToState = to,
            Reason = reason,
            PrevHash = prev,
            Hash = "",
        });
        var ins = w.Command($"INSERT INTO audit ({AuditColumns}) VALUES ($seq, $a, $at, $actor, $ak, $si, $ev, $from, $to, $reason, $prev, $hash);");
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
        ins.ExecuteNonQuery();
        return rec;
    }





    // ---------------------------------------------------------------- actions

    /// <inheritdoc/>
    public Task<CreateActionResult> CreateActionAsync(NewAction action, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        StoreChecks.ValidateWho(who);
        ActionStateMachine.EnsureCreate(action.InitialState);
        SecretGuard.Ensure(action.ParametersJson, "action parameters", tokensOnly: true);
        SecretGuard.Ensure(action.Summary, "action summary", tokensOnly: true);
        SecretGuard.Ensure(action.ProposedBy, "proposer name");
        if (action.InitialState == ActionState.Running && action.Lease is null)
        {
            throw new AirException(AirErrorKind.InvalidInput, "An action created to run directly needs the lease of the session that runs it.");
        }
        StoreChecks.ValidateLease(action.Lease);
        string? related = action.RelatedActionId is null ? null : StoreChecks.Id(action.RelatedActionId);

        return WriteAsync(w =>
        {
            var now = Clock.GetUtcNow();
            if (action.EvidenceKey is not null)
            {
                var existing = FirstAction(w, $"SELECT {ActionColumns} FROM actions WHERE evidence_key = $e LIMIT 1;", ("$e", action.EvidenceKey));
                if (existing is not null)
                {
                    return new CreateActionResult(existing, false, "EvidenceKey");
                }
            }
            if (action.DedupeKey is not null && action.DedupeSince is { } since)
            {
                var existing = FirstAction(w,
                    $"SELECT {ActionColumns} FROM actions WHERE dedupe_key = $d AND created_at >= $since ORDER BY created_at DESC LIMIT 1;",
                    ("$d", action.DedupeKey), ("$since", since.UtcTicks));
                if (existing is not null)
                {
                    return new CreateActionResult(existing, false, "DedupeKey");
                }
            }
            if (related is not null && ActionById(w, related) is null)
            {
                throw new AirException(AirErrorKind.NotFound, $"No action with id {related} exists in the action store.", related);
            }

            var lease = action.InitialState == ActionState.Running ? action.Lease : null;
            var rec = new ActionRecord
            {
                Id = "",
                Kind = action.Kind,
                State = action.InitialState,
                CreatedAt = now,
                UpdatedAt = now,
                ProposedBy = action.ProposedBy ?? who.Actor,
                ExpiresAt = action.ExpiresAt,
                InvestigationId = action.InvestigationId,
                EvidenceKey = action.EvidenceKey,
                DedupeKey = action.DedupeKey,
                ParametersJson = string.IsNullOrWhiteSpace(action.ParametersJson) ? "{}" : action.ParametersJson,
                Summary = action.Summary,
                RelatedActionId = related,
                Counts = ItemCounts.Empty,
                LeaseOwner = lease?.Owner,
                LeaseExpiresAt = lease is null ? null : now + lease.Duration,
                Version = 1,
            };
            for (int attempt = 0; ; attempt++)
            {
                rec = rec with { Id = ActionId.New() };
                var ins = w.Command($"""
                    INSERT INTO actions (id, kind, state, created_at, updated_at, proposed_by, expires_at, investigation_id,
                        evidence_key, dedupe_key, parameters_json, summary, related_action_id, lease_owner, lease_expires_at, version)
                    VALUES ($id, $kind, $state, $now, $now, $by, $exp, $inv, $ev, $dd, $params, $summary, $rel, $lo, $le, 1)
                    ON CONFLICT (id) DO NOTHING;
                    """);
                P(ins, "$id", rec.Id);
                P(ins, "$kind", rec.Kind.ToString());
                P(ins, "$state", rec.State.ToString());
                P(ins, "$now", now.UtcTicks);
                P(ins, "$by", rec.ProposedBy);
                P(ins, "$exp", Ticks(rec.ExpiresAt));
                P(ins, "$inv", rec.InvestigationId);
                P(ins, "$ev", rec.EvidenceKey);
                P(ins, "$dd", rec.DedupeKey);
                P(ins, "$params", rec.ParametersJson);
                P(ins, "$summary", rec.Summary);
                P(ins, "$rel", rec.RelatedActionId);
                P(ins, "$lo", rec.LeaseOwner);
                P(ins, "$le", Ticks(rec.LeaseExpiresAt));
                if (ins.ExecuteNonQuery() == 1)
                {
                    break;
                }
                if (attempt >= 8)
                {
                    throw new AirException(AirErrorKind.StoreUnavailable, $"The action store '{Location}' could not allocate a new action id.", Location);
                }
            }
            AppendAudit(w, now, rec.Id, who.Event ?? ActionStateMachine.CreateEventName(rec.State), who, null, rec.State, who.Reason);
            return new CreateActionResult(rec, true, null);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> GetActionAsync(string actionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(c => ActionById(c, null, StoreChecks.Id(actionId))));
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dedupeKey);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {ActionColumns} FROM actions WHERE dedupe_key = $d AND created_at >= $since ORDER BY created_at DESC LIMIT 1;";
            P(cmd, "$d", dedupeKey);
            P(cmd, "$since", createdSince.UtcTicks);
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadAction(r) : null;
        }));
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(evidenceKey);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {ActionColumns} FROM actions WHERE evidence_key = $e LIMIT 1;";
            P(cmd, "$e", evidenceKey);
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadAction(r) : null;
        }));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        int pageSize = Math.Clamp(query.PageSize, 1, 5000);
        long remaining = query.Limit ?? long.MaxValue;
        long? lastCreated = null;
        string? lastId = null;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int take = (int)Math.Min(pageSize, remaining);
            var page = Read(c => QueryPage(c, query, lastCreated, lastId, take));
            foreach (var a in page)
            {
                yield return a;
            }
            remaining -= page.Count;
            if (page.Count < take)
            {
                yield break;
            }
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
            var names = new List<string>();
            int i = 0;
            foreach (var s in q.States)
            {
                names.Add("$s" + i);
                P(cmd, "$s" + i, s.ToString());
                i++;
            }
            where.Add($"state IN ({string.Join(", ", names)})");
        }
        if (q.Kind is { } k) { where.Add("kind = $kind"); P(cmd, "$kind", k.ToString()); }
        if (!string.IsNullOrEmpty(q.IdPrefix))
        {
            where.Add("substr(id, 1, length($pfx)) = $pfx");
            P(cmd, "$pfx", StoreChecks.NormalizePrefix(q.IdPrefix));
        }
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
        while (r.Read())
        {
            list.Add(ReadAction(r));
        }
        return list;
    }

    /// <inheritdoc/>
    public Task<TransitionResult> TryTransitionAsync(string actionId, IReadOnlyCollection<ActionState> expectedFrom, ActionState to,
        AuditContext who, ActionChanges? changes = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(expectedFrom);
        StoreChecks.ValidateWho(who);
        SecretGuard.Ensure(changes?.Summary, "action summary", tokensOnly: true);
        string id = StoreChecks.Id(actionId);
        if (expectedFrom.Count == 0)
        {
            throw new ArgumentException("At least one expected state is required.", nameof(expectedFrom));
        }
        foreach (var from in expectedFrom)
        {
            ActionStateMachine.EnsureTransition(from, to, id);
        }
        changes ??= new ActionChanges();
        if (to == ActionState.Running && changes.Lease is null)
        {
            throw new AirException(AirErrorKind.InvalidInput, $"Action {id} can only be run under a lease; pass the session's lease.", id);
        }
        StoreChecks.ValidateLease(changes.Lease);

        return WriteAsync(w =>
        {
            var now = Clock.GetUtcNow();
            var cur = ActionById(w, id);
            if (cur is null)
            {
                return new TransitionResult(TransitionOutcome.NotFound, null, to, id);
            }
            if (StoreChecks.Refusal(cur, expectedFrom, to, changes, who, now, id, out var reason) is { } refused)
            {
                return refused;
            }

            var countCmd = w.Command(CountSql);
            P(countCmd, "$a", id);
            var counts = CountItems(countCmd);
            // A decision (approve, deny, expire) always records when, and approve/deny who, unless the caller says otherwise.
            bool decision = cur.State == ActionState.Pending;
            bool byPerson = decision && to is ActionState.Approved or ActionState.Denied;
            var next = cur with
            {
                State = to,
                UpdatedAt = now,
                ApprovedBy = changes.ApprovedBy ?? (byPerson ? who.Actor : cur.ApprovedBy),
                DecidedAt = changes.DecidedAt ?? (decision ? now : cur.DecidedAt),
                Summary = changes.Summary ?? cur.Summary,
                Counts = counts,
                LeaseOwner = to == ActionState.Running ? changes.Lease!.Owner : null,
                LeaseExpiresAt = to == ActionState.Running ? now + changes.Lease!.Duration : null,
                Version = cur.Version + 1,
            };
            var upd = w.Command("""
                UPDATE actions SET state = $state, updated_at = $now, approved_by = $ab, decided_at = $da, summary = $summary,
                    c_planned = $c0, c_in_progress = $c1, c_done = $c2, c_already = $c3, c_failed = $c4, c_skipped = $c5,
                    lease_owner = $lo, lease_expires_at = $le, version = $v
                WHERE id = $id AND version = $prev;
                """);
            P(upd, "$state", next.State.ToString());
            P(upd, "$now", now.UtcTicks);
            P(upd, "$ab", next.ApprovedBy);
            P(upd, "$da", Ticks(next.DecidedAt));
            P(upd, "$summary", next.Summary);
            P(upd, "$c0", counts.Planned);
            P(upd, "$c1", counts.InProgress);
            P(upd, "$c2", counts.Done);
            P(upd, "$c3", counts.Already);
            P(upd, "$c4", counts.Failed);
            P(upd, "$c5", counts.Skipped);
            P(upd, "$lo", next.LeaseOwner);
            P(upd, "$le", Ticks(next.LeaseExpiresAt));
            P(upd, "$v", next.Version);
            P(upd, "$id", id);
            P(upd, "$prev", cur.Version);
            if (upd.ExecuteNonQuery() != 1)
            {
                throw new InvalidOperationException("The action changed inside the write transaction."); // cannot happen under BEGIN IMMEDIATE
            }
            AppendAudit(w, now, id, who.Event ?? ActionStateMachine.EventName(cur.State, to), who, cur.State, to, reason);
            return new TransitionResult(TransitionOutcome.Succeeded, next, to, id);
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- leases

    /// <inheritdoc/>
    public Task<LeaseResult> TryAcquireLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseWriteAsync(actionId, owner, duration, acquire: true, cancellationToken);

    /// <inheritdoc/>
    public Task<LeaseResult> RenewLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseWriteAsync(actionId, owner, duration, acquire: false, cancellationToken);

    private Task<LeaseResult> LeaseWriteAsync(string actionId, string owner, TimeSpan duration, bool acquire, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "A lease must last a positive time.");
        }
        string id = StoreChecks.Id(actionId);
        return WriteAsync(w =>
        {
            var now = Clock.GetUtcNow();
            var cur = ActionById(w, id);
            if (cur is null)
            {
                return new LeaseResult(false, null);
            }
            bool mine = string.Equals(cur.LeaseOwner, owner, StringComparison.Ordinal);
            bool may = acquire ? (mine || !cur.IsLeaseLive(now)) : mine;
            if (!may)
            {
                return new LeaseResult(false, cur);
            }
            var next = cur with { LeaseOwner = owner, LeaseExpiresAt = now + duration, Version = cur.Version + 1 };
            var upd = w.Command("UPDATE actions SET lease_owner = $o, lease_expires_at = $e, version = version + 1 WHERE id = $id;");
            P(upd, "$o", owner);
            P(upd, "$e", next.LeaseExpiresAt!.Value.UtcTicks);
            P(upd, "$id", id);
            upd.ExecuteNonQuery();
            return new LeaseResult(true, next);
        }, ct);
    }

    /// <inheritdoc/>
    public Task<bool> ReleaseLeaseAsync(string actionId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        string id = StoreChecks.Id(actionId);
        return WriteAsync(w =>
        {
            var upd = w.Command("UPDATE actions SET lease_owner = NULL, lease_expires_at = NULL, version = version + 1 WHERE id = $id AND lease_owner = $o;");
            P(upd, "$id", id);
            P(upd, "$o", owner);
            return upd.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- items

    /// <inheritdoc/>
    public Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string actionId, IEnumerable<NewItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(items);
        string id = StoreChecks.Id(actionId);
        var list = items.ToList();
        foreach (var it in list)
        {
            if (string.IsNullOrEmpty(it.Key))
            {
                throw new AirException(AirErrorKind.InvalidInput, $"An item of action {id} has no key; every item needs one (e.g. mailbox|internetMessageId or the URL).", id);
            }
            SecretGuard.Ensure(it.DataJson, "item data", tokensOnly: true);
            SecretGuard.Ensure(it.Reason, "item reason", tokensOnly: true);
        }
        return WriteAsync<IReadOnlyList<ItemRecord>>(w =>
        {
            var now = Clock.GetUtcNow();
            var exists = w.Command("SELECT 1 FROM actions WHERE id = $id;");
            P(exists, "$id", id);
            if (exists.ExecuteScalar() is null)
            {
                throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store.", id);
            }
            var max = w.Command("SELECT coalesce(max(seq), 0) FROM items WHERE action_id = $a;");
            P(max, "$a", id);
            long nextSeq = Convert.ToInt64(max.ExecuteScalar(), CultureInfo.InvariantCulture) + 1;
            var result = new List<ItemRecord>(list.Count);
            foreach (var it in list)
            {
                var ins = w.Command("""
                    INSERT INTO items (action_id, seq, key, target, state, reason, attempts, data_json, updated_at)
                    VALUES ($a, $seq, $key, $target, $state, $reason, 0, $data, $now)
                    ON CONFLICT (action_id, key) DO NOTHING;
                    """);
                P(ins, "$a", id);
                P(ins, "$seq", nextSeq);
                P(ins, "$key", it.Key);
                P(ins, "$target", it.Target);
                P(ins, "$state", it.State.ToString());
                P(ins, "$reason", it.Reason);
                P(ins, "$data", it.DataJson);
                P(ins, "$now", now.UtcTicks);
                if (ins.ExecuteNonQuery() == 1)
                {
                    result.Add(new ItemRecord
                    {
                        ActionId = id, Seq = nextSeq, Key = it.Key, Target = it.Target, State = it.State, Reason = it.Reason,
                        Attempts = 0, DataJson = it.DataJson, UpdatedAt = now,
                    });
                    nextSeq++;
                }
                else
                {
                    var sel = w.Command($"SELECT {ItemColumns} FROM items WHERE action_id = $a AND key = $key;");
                    P(sel, "$a", id);
                    P(sel, "$key", it.Key);
                    using var r = sel.ExecuteReader();
                    r.Read();
                    result.Add(ReadItem(r));
                }
            }
            return result;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ItemRecord> UpdateItemAsync(string actionId, ItemUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(update);
        string id = StoreChecks.Id(actionId);
        GuardUpdate(update);
        return WriteAsync(w => ApplyUpdate(w, id, update), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string actionId, IReadOnlyList<ItemUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(updates);
        string id = StoreChecks.Id(actionId);
        foreach (var u in updates)
        {
            ArgumentNullException.ThrowIfNull(u);
            GuardUpdate(u);
        }
        return WriteAsync<IReadOnlyList<ItemRecord>>(w =>
        {
            var result = new List<ItemRecord>(updates.Count);
            foreach (var u in updates)
            {
                result.Add(ApplyUpdate(w, id, u));
            }
            return result;
        }, cancellationToken);
    }

    private static void GuardUpdate(ItemUpdate update)
    {
        SecretGuard.Ensure(update.Reason, "item reason", tokensOnly: true);
        SecretGuard.Ensure(update.DataJson, "item data", tokensOnly: true);
        SecretGuard.Ensure(update.BeforeJson, "item before-state", tokensOnly: true);
        SecretGuard.Ensure(update.AfterJson, "item after-state", tokensOnly: true);
    }

    private ItemRecord ApplyUpdate(WriteContext w, string id, ItemUpdate update)
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
        P(cmd, "$now", Clock.GetUtcNow().UtcTicks);
        P(cmd, "$a", id);
        P(cmd, "$seq", update.Seq);
        P(cmd, "$owner", update.LeaseOwner);
        using (var r = cmd.ExecuteReader())
        {
            if (r.Read())
            {
                return ReadItem(r);
            }
        }
        var probe = w.Command("SELECT 1 FROM items WHERE action_id = $a AND seq = $seq;");
        P(probe, "$a", id);
        P(probe, "$seq", update.Seq);
        if (probe.ExecuteScalar() is null)
        {
            throw new AirException(AirErrorKind.NotFound, $"Action {id} has no item {update.Seq}.", id);
        }
        throw new AirException(AirErrorKind.Conflict,
            $"Action {id} was taken over by another session; this session ({update.LeaseOwner}) no longer holds its lease and stopped.", id);
    }

    /// <inheritdoc/>
    public Task<ItemRecord?> GetItemAsync(string actionId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        string id = StoreChecks.Id(actionId);
        return Task.FromResult(Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {ItemColumns} FROM items WHERE action_id = $a AND key = $key;";
            P(cmd, "$a", id);
            P(cmd, "$key", key);
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadItem(r) : null;
        }));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ItemRecord> GetItemsAsync(string actionId, ItemQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        query ??= new ItemQuery();
        string id = StoreChecks.Id(actionId);
        int pageSize = Math.Clamp(query.PageSize, 1, 10_000);
        long after = query.AfterSeq;
        string[]? states = query.States is { Count: > 0 } ? query.States.Select(s => s.ToString()).ToArray() : null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = Read(c =>
            {
                using var cmd = c.CreateCommand();
                string filter = "";
                if (states is not null)
                {
                    filter = " AND state IN (" + string.Join(", ", states.Select((_, i) => "$s" + i)) + ")";
                    for (int i = 0; i < states.Length; i++)
                    {
                        P(cmd, "$s" + i, states[i]);
                    }
                }
                cmd.CommandText = $"SELECT {ItemColumns} FROM items WHERE action_id = $a AND seq > $after{filter} ORDER BY seq LIMIT $take;";
                P(cmd, "$a", id);
                P(cmd, "$after", after);
                P(cmd, "$take", pageSize);
                var list = new List<ItemRecord>(pageSize);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    list.Add(ReadItem(r));
                }
                return list;
            });
            foreach (var item in page)
            {
                yield return item;
            }
            if (page.Count < pageSize)
            {
                yield break;
            }
            after = page[^1].Seq;
            await Task.Yield();
        }
    }

    /// <inheritdoc/>
    public Task<ItemCounts> GetItemCountsAsync(string actionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        cancellationToken.ThrowIfCancellationRequested();
        string id = StoreChecks.Id(actionId);
        return Task.FromResult(Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = CountSql;
            P(cmd, "$a", id);
            return CountItems(cmd);
        }));
    }

    // ---------------------------------------------------------------- audit

    /// <inheritdoc/>
    public Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        StoreChecks.ValidateWho(entry.Who);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Event);
        string? id = entry.ActionId is null ? null : StoreChecks.Id(entry.ActionId);
        return WriteAsync(w => AppendAudit(w, Clock.GetUtcNow(), id, entry.Event, entry.Who, null, null, entry.Who.Reason), cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? id = actionId is null ? null : StoreChecks.Id(actionId);
        const int pageSize = 1000;
        long after = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = Read(c =>
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = id is null
                    ? $"SELECT {AuditColumns} FROM audit WHERE seq > $after ORDER BY seq LIMIT $take;"
                    : $"SELECT {AuditColumns} FROM audit WHERE action_id = $a AND seq > $after ORDER BY seq LIMIT $take;";
                P(cmd, "$after", after);
                P(cmd, "$take", pageSize);
                if (id is not null)
                {
                    P(cmd, "$a", id);
                }
                var list = new List<AuditRecord>(pageSize);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    list.Add(ReadAudit(r));
                }
                return list;
            });
            foreach (var a in page)
            {
                yield return a;
            }
            if (page.Count < pageSize)
            {
                yield break;
            }
            after = page[^1].Seq;
            await Task.Yield();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Reads the trail and then every action inside one read transaction, so both come from the same snapshot
    /// and a change committed meanwhile by another session cannot look like tampering. Memory stays flat in the trail's length.</remarks>
    public Task<AuditVerification> VerifyAuditTrailAsync(CancellationToken cancellationToken = default) => Task.FromResult(Read(c =>
    {
        var v = new AuditChainVerifier();
        using var tx = c.BeginTransaction(deferred: true); // read-only snapshot (WAL): writers carry on meanwhile
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT {AuditColumns} FROM audit ORDER BY seq;";
            using var r = cmd.ExecuteReader();
            int n = 0;
            while (r.Read())
            {
                if (++n % 4096 == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                if (!v.Add(ReadAudit(r)))
                {
                    return v.Result();
                }
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
                    return new AuditVerification
                    {
                        IsValid = false, Count = v.Result().Count, Problem = AuditProblem.ActionStateMismatch, BrokenActionId = r.GetString(0),
                        Message = $"Action {r.GetString(0)} holds a state or kind AirRemediation never writes ('{r.GetString(2)}'): it was changed outside AirRemediation.",
                    };
                }
                if (!v.Check(a))
                {
                    break;
                }
            }
        }
        tx.Commit();
        return v.Result();
    }));

    // ---------------------------------------------------------------- settings

    /// <inheritdoc/>
    public Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT value FROM settings WHERE key = $k;";
            P(cmd, "$k", key);
            return cmd.ExecuteScalar() as string;
        }));
    }

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyDictionary<string, string>>(Read(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT key, value FROM settings ORDER BY key;";
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                d[r.GetString(0)] = r.GetString(1);
            }
            return d;
        }));
    }

    /// <inheritdoc/>
    public Task SetSettingAsync(string key, string? value, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        StoreChecks.ValidateWho(who);
        SecretGuard.Ensure(value, $"value of setting {key}");
        return WriteAsync(w =>
        {
            var now = Clock.GetUtcNow();
            var get = w.Command("SELECT value FROM settings WHERE key = $k;");
            P(get, "$k", key);
            var old = get.ExecuteScalar() as string;
            if (string.Equals(old, value, StringComparison.Ordinal))
            {
                return 0;
            }
            SqliteCommand cmd;
            if (value is null)
            {
                cmd = w.Command("DELETE FROM settings WHERE key = $k;");
                P(cmd, "$k", key);
            }
            else
            {
                cmd = w.Command("""
                    INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($k, $v, $now, $by)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by;
                    """);
                P(cmd, "$k", key);
                P(cmd, "$v", value);
                P(cmd, "$now", now.UtcTicks);
                P(cmd, "$by", who.Actor);
            }
            cmd.ExecuteNonQuery();
            string change = $"{key}: {(old is null ? "(not set)" : "'" + old + "'")} -> {(value is null ? "(removed)" : "'" + value + "'")}";
            AppendAudit(w, now, null, who.Event ?? "SettingChanged", who, null, null, who.Reason is null ? change : change + "; " + who.Reason);
            return 1;
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- lifetime

    /// <summary>Waits for queued writes, then closes the file (and releases pooled connections to it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _writer.DisposeAsync().ConfigureAwait(false);
        using var c = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(c);
    }
}
