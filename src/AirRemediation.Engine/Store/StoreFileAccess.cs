namespace AirRemediation.Engine.Store;

/// <summary>
/// Who may touch a SQLite store file on Unix. The store holds the queue four-eyes approval depends on: another local user
/// who could read it learns what is being remediated, one who could write it could change what an approved action does.
/// So a new store is created 0600 in a folder created 0700, and an existing file or folder that another account owns or
/// others may write is refused with how to fix it. (On Windows the file inherits the profile folder's ACL; not checked.)
/// </summary>
internal static class StoreFileAccess
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Creates what is missing with owner-only modes and refuses what is unsafe; throws AirException(StoreUnavailable).</summary>
    public static void Prepare(string path)
    {
        try
        {
            var dir = Path.GetDirectoryName(path);
            if (OperatingSystem.IsWindows())
            {
                if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
                return;
            }
            if (!string.IsNullOrEmpty(dir))
            {
                if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, OwnerOnlyFolder);
                // A world-writable folder with the sticky bit (/tmp) lets nobody replace another user's file: allowed.
                var folderMode = File.GetUnixFileMode(dir);
                if ((folderMode & WritableByOthers) != 0 && (folderMode & UnixFileMode.StickyBit) == 0)
                    throw Unsafe(path, $"its folder '{dir}' can be written by other accounts (mode {Octal(folderMode)}), so the store file could be replaced",
                        $"chmod go-w '{dir}'");
            }
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                if (!File.Exists(file))
                {
                    if (file != path || CreateOwnerOnly(file)) continue;
                    // Another opener created it between the check and the create: checked below like any existing file.
                }
                var mode = File.GetUnixFileMode(file);
                if ((mode & WritableByOthers) != 0)
                    throw Unsafe(file, $"it can be written by other accounts (mode {Octal(mode)})", $"chmod 600 '{file}'");
                EnsureOwned(file, mode);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SqliteErrors.MapIo(e, path);
        }
    }

    /// <summary>
    /// Creates the file with its final mode in one step, so there is no moment in which others could open it. False when
    /// it appeared meanwhile (two runbooks opening one new store at once): the loser uses the winner's file.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool CreateOwnerOnly(string file)
    {
        try
        {
            new FileStream(file, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile }).Dispose();
            return true;
        }
        catch (IOException) when (File.Exists(file))
        {
            return false;
        }
    }

    /// <summary>Only a file's owner (or root) may change its mode: setting the mode it already has proves ownership without changing anything.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void EnsureOwned(string file, UnixFileMode mode)
    {
        try
        {
            File.SetUnixFileMode(file, mode);
        }
        catch (UnauthorizedAccessException)
        {
            throw Unsafe(file, "it belongs to another account", $"use your own store file, or have its owner run: chown {Environment.UserName} '{file}'");
        }
    }

    private static AirException Unsafe(string path, string why, string fix) =>
        new(AirErrorKind.StoreUnavailable, $"The action store '{path}' is not used: {why}. To fix it: {fix}.", path);

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');
}
