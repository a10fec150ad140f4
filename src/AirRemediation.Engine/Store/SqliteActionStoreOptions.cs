namespace AirRemediation.Engine.Store;

/// <summary>Tuning for <see cref="SqliteActionStore"/>. The defaults suit interactive use and runbooks.</summary>
public sealed record SqliteActionStoreOptions
{
    /// <summary>How long a write waits for another process that holds the file's write lock before failing with
    /// StoreUnavailable ("locked"). Default 5 s (<c>PRAGMA busy_timeout=5000</c>).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// False (default): <c>synchronous=NORMAL</c> — a completed write survives the process being killed (kill -9),
    /// but the last commits may be lost on power failure or OS crash. True: <c>synchronous=FULL</c>, every group commit is fsynced.
    /// </summary>
    public bool FullSync { get; init; }

    /// <summary>How long a blocked write really waits: Microsoft.Data.Sqlite retries a busy database until its command timeout,
    /// which is whole seconds (at least 1).</summary>
    internal TimeSpan EffectiveWait => TimeSpan.FromSeconds(Math.Max(BusyTimeout.TotalSeconds, CommandTimeoutSeconds));

    internal int CommandTimeoutSeconds => Math.Max(1, (int)Math.Ceiling(BusyTimeout.TotalSeconds));

    /// <summary>Most writes committed together in one transaction by the group-commit writer.</summary>
    public int MaxBatch { get; init; } = 512;
}

/// <summary>Where stores live by default.</summary>
public static class ActionStorePaths
{
    /// <summary><c>&lt;LocalApplicationData&gt;/AirRemediation/actions.db</c> (on Linux <c>~/.local/share/AirRemediation/actions.db</c>).</summary>
    public static string DefaultSqlitePath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
            "AirRemediation", "actions.db");
}
