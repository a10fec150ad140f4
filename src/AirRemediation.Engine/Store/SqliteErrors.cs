using Microsoft.Data.Sqlite;

namespace AirRemediation.Engine.Store;

/// <summary>Turns SQLite failures into the admin-readable StoreUnavailable errors the cmdlets show.</summary>
internal static class SqliteErrors
{
    // Primary result codes (https://sqlite.org/rescode.html).
    private const int Perm = 3, Busy = 5, Locked = 6, ReadOnly = 8, IoErr = 10, Corrupt = 11, Full = 13, CantOpen = 14, Auth = 23, NotADb = 26;

    public static AirException Map(SqliteException e, string path, TimeSpan busyTimeout)
    {
        string message = e.SqliteErrorCode switch
        {
            NotADb or Corrupt =>
                $"The action store '{path}' is damaged or is not an AirRemediation action store (SQLite reports: {Describe(e)}). Restore it from a backup or use another store file.",
            Busy or Locked =>
                $"The action store '{path}' is locked by another process (waited {busyTimeout.TotalSeconds:0.#} s for it to finish). Close other sessions or runbooks that use it, or try again.",
            CantOpen =>
                $"The action store '{path}' cannot be opened: the file or its folder cannot be created or accessed.",
            ReadOnly or Perm or Auth =>
                $"The action store '{path}' is read-only or not accessible to this account; it cannot be written.",
            Full =>
                $"The action store '{path}' cannot be written: the disk is full.",
            IoErr =>
                $"The action store '{path}' could not be read or written (disk I/O error).",
            _ => $"The action store '{path}' failed: {Describe(e)}.",
        };
        return new AirException(AirErrorKind.StoreUnavailable, message, path, e) { ServiceCode = "SQLITE_" + e.SqliteErrorCode };
    }

    public static AirException MapIo(Exception e, string path) =>
        new(AirErrorKind.StoreUnavailable, $"The action store '{path}' cannot be opened: {e.Message}", path, e);

    private static string Describe(SqliteException e)
    {
        // "SQLite Error 26: 'file is not a database'." → "file is not a database"
        var m = e.Message;
        int a = m.IndexOf('\''), b = m.LastIndexOf('\'');
        return a >= 0 && b > a ? m[(a + 1)..b] : m;
    }
}
