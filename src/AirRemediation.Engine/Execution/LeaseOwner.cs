namespace AirRemediation.Engine.Execution;

/// <summary>
/// Lease owners are "machine/pid/nonce-run": the nonce random per process, the run part random per lease, so two runs of
/// one process never share a lease. A lease may be reclaimed before it expires only
/// when its holder is proven dead on this machine: each process holds an exclusive lock on a marker file named after its
/// nonce (under the user's temp folder) for as long as it lives, and the operating system drops the lock when the process
/// dies, however it dies. A marker that exists and can be locked belongs to a dead process; a marker that is locked, or
/// missing (another machine or a cloned container with the same host name and pids, a cleaned temp folder), proves
/// nothing, and the lease is respected until it expires.
/// </summary>
internal static class LeaseOwner
{
    private static readonly string Nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private static readonly Lazy<FileStream?> Marker = new(CreateMarker);

    /// <summary>A new lease owner id of this process.</summary>
    public static string New()
    {
        _ = Marker.Value;
        return $"{Environment.MachineName}/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/{Nonce}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    /// <summary>True only when <paramref name="owner"/> is a process of this machine that is provably gone.</summary>
    public static bool IsDeadLocalProcess(string? owner)
    {
        if (owner is null) return false;
        var parts = owner.Split('/');
        if (parts.Length != 3 || !string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return false;
        var nonce = parts[2].Split('-')[0];
        if (nonce == Nonce || !IsNonce(nonce)) return false;
        var path = MarkerPath(nonce);
        try
        {
            // Exclusive open succeeds only when no live process holds the marker. The marker stays: it is the evidence
            // for every session that asks until the lease is taken over (then Forget removes it).
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;   // held by a live process, missing, or not ours to judge
        }
    }

    /// <summary>Removes the marker of a holder proven dead, once its lease was taken over.</summary>
    public static void Forget(string? owner)
    {
        if (!IsDeadLocalProcess(owner)) return;
        try
        {
            File.Delete(MarkerPath(owner!.Split('/')[2].Split('-')[0]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static bool IsNonce(string s) => s.Length == 16 && s.All(Uri.IsHexDigit);

    private static string Folder => Path.Combine(Path.GetTempPath(), "airremediation-leases-" + Environment.UserName);

    private static string MarkerPath(string nonce) => Path.Combine(Folder, nonce + ".lock");

    /// <summary>Markers of processes that died more than a week ago: every lease they held expired long since.</summary>
    private static void SweepStale()
    {
        foreach (var file in Directory.EnumerateFiles(Folder, "*.lock"))
        {
            if (File.GetLastWriteTimeUtc(file) > DateTime.UtcNow.AddDays(-7)) continue;
            try
            {
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static FileStream? CreateMarker()
    {
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Folder);
            else Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            SweepStale();
            // Held open (and locked) until the process exits: a normal exit deletes it, a killed process leaves it unlocked.
            var marker = new FileStream(MarkerPath(Nonce), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => marker.Dispose();
            return marker;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without a marker this process's leases simply cannot be reclaimed early: they expire after a minute.
            return null;
        }
    }
}
