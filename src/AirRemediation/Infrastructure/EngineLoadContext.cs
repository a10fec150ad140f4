using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace AirRemediation.Infrastructure;

/// <summary>
/// The private load context that holds the Engine and everything it depends on (Graph, Kiota, Azure.Core, MSAL,
/// SQLite). Anything found in Dependencies/ loads here, so other modules' versions of the same assemblies in the
/// default context never meet ours. Anything not there (the BCL, PowerShell) comes from the default context.
/// </summary>
internal sealed class EngineLoadContext(string dependencyDirectory) : AssemblyLoadContext("AirRemediation.Engine")
{
    public string DependencyDirectory { get; } = dependencyDirectory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
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
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        foreach (var candidate in new[]
                 {
                     Path.Combine(DependencyDirectory, file),
                     Path.Combine(DependencyDirectory, "runtimes", rid, "native", file),
                     Path.Combine(DependencyDirectory, "runtimes", $"{os}-{arch}", "native", file),
                 })
        {
            if (File.Exists(candidate)) return LoadUnmanagedDllFromPath(candidate);
        }
        return IntPtr.Zero;
    }
}
