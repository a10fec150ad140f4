using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace AirRemediation.Infrastructure;

/// <summary>
/// The private load context that holds the Engine and everything it depends on (Graph, Kiota, Azure.Core, MSAL,
/// SQLite). Anything found in Dependencies/ loads here, so other modules' versions of the same assemblies in the
/// default context never meet ours. Anything not there (the BCL, PowerShell) comes from the default context.
/// </summary>
/// <remarks>
/// build.ps1 also leaves copies precompiled for the platform it built on (ReadyToRun) under r2r/&lt;os&gt;-&lt;arch&gt;/. They
/// are preferred on that platform only: a fresh process then runs its first command without compiling these
/// assemblies' code first. The runtime refuses precompiled code for another platform outright (BadImageFormat), so on
/// any other one, or where a copy is missing, the portable assembly beside them loads.
/// </remarks>
internal sealed class EngineLoadContext(string dependencyDirectory) : AssemblyLoadContext("AirRemediation.Engine")
{
    public string DependencyDirectory { get; } = dependencyDirectory;

    /// <summary>This process's platform as build.ps1 names its precompiled folder (win|osx|linux-&lt;arch&gt;).</summary>
    public static string Platform { get; } =
        $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var precompiled = Path.Combine(DependencyDirectory, "r2r", Platform, assemblyName.Name + ".dll");
        if (File.Exists(precompiled)) return LoadFromAssemblyPath(precompiled);
        var path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// Native libraries (SQLite's e_sqlite3) sit under runtimes/&lt;rid&gt;/native; the runtime does not probe there
    /// for an assembly in a custom context, so we do.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var file = OperatingSystem.IsWindows() ? unmanagedDllName + ".dll"
            : OperatingSystem.IsMacOS() ? "lib" + unmanagedDllName + ".dylib"
            : "lib" + unmanagedDllName + ".so";
        var rid = RuntimeInformation.RuntimeIdentifier;
        foreach (var candidate in new[]
                 {
                     Path.Combine(DependencyDirectory, file),
                     Path.Combine(DependencyDirectory, "runtimes", rid, "native", file),
                     Path.Combine(DependencyDirectory, "runtimes", Platform, "native", file),
                 })
        {
            if (File.Exists(candidate)) return LoadUnmanagedDllFromPath(candidate);
        }
        return IntPtr.Zero;
    }
}
