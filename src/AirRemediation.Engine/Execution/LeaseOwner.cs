using System.Diagnostics;
using System.Globalization;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// Lease owners are "machine/pid/guid". A lease held by a process of this machine that no longer exists (killed,
/// crashed) can be reclaimed at once instead of waiting for it to expire. Any doubt — another machine, a live
/// process with that pid — means the lease is respected.
/// </summary>
internal static class LeaseOwner
{
    public static string New() => $"{Environment.MachineName}/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/{Guid.NewGuid():N}";

    public static bool IsDeadLocalProcess(string? owner)
    {
        if (owner is null) return false;
        var parts = owner.Split('/');
        if (parts.Length < 3 || !string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited;
        }
        catch (ArgumentException)
        {
            return true;   // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
