using Microsoft.Data.Sqlite;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The action store in one SQLite file (WAL): the store front over <see cref="SqliteBackend"/>. Safe for many threads of
/// one process and for many processes on the same file: every conditional write runs inside <c>BEGIN IMMEDIATE</c>, so
/// its check and its write see the same, latest state. The file is this account's alone: created 0600 in a folder
/// created 0700, and a file (or folder) that another user owns or others may write is refused.
/// </summary>
public sealed class SqliteActionStore : ActionStore
{
    private SqliteActionStore(SqliteBackend backend, TimeProvider clock) : base(backend, clock)
    {
    }

    /// <summary>
    /// Opens (and on first use creates) the store at <paramref name="path"/>; its folder is created if missing.
    /// Throws AirException(StoreUnavailable) if the file is damaged, not a store, locked, not accessible, or not safe to use.
    /// </summary>
    public static SqliteActionStore Open(string? path = null, SqliteActionStoreOptions? options = null, TimeProvider? clock = null)
    {
        options ??= new SqliteActionStoreOptions();
        path = Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? ActionStorePaths.DefaultSqlitePath : path);
        StoreFileAccess.Prepare(path);
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
            return new SqliteActionStore(new SqliteBackend(path, options, cs, new SqliteWriter(writerConnection, options.MaxBatch)), clock ?? TimeProvider.System);
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

    /// <summary>Reads a PRAGMA on a connection configured like the store's own (for tests).</summary>
    internal string Pragma(string name) => ((SqliteBackend)Backend).Pragma(name);

    internal static SqliteConnection OpenConnection(string cs, SqliteActionStoreOptions options)
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
                    throw new AirException(AirErrorKind.StoreUnavailable,
                        $"The action store '{path}' is a SQLite database of another application, not an AirRemediation action store. Use another file.", path);
                using var create = c.CreateCommand();
                create.Transaction = tx;
                create.CommandText = SqliteSchema.Create + $"\nPRAGMA user_version={SqliteSchema.Version};";
                create.ExecuteNonQuery();
                version = SqliteSchema.Version;
            }
            tx.Commit();
        }
        if (version == 1)
        {
            using var tx = c.BeginTransaction();
            if (Scalar(c, tx, "PRAGMA user_version;") == 1)
            {
                using var migrate = c.CreateCommand();
                migrate.Transaction = tx;
                migrate.CommandText = SqliteSchema.MigrateFrom1;
                migrate.ExecuteNonQuery();
            }
            tx.Commit();
            version = SqliteSchema.Version;
        }
        if (version > SqliteSchema.Version)
            throw new AirException(AirErrorKind.StoreUnavailable,
                $"The action store '{path}' was written by a newer version of AirRemediation (store schema {version}; this version understands {SqliteSchema.Version}). Update the module.", path);
    }

    private static long Scalar(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
