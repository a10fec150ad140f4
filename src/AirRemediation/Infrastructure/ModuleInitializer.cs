using System.Reflection;
using System.Runtime.Loader;

namespace AirRemediation.Infrastructure;

/// <summary>
/// Wires the private load context. The default context asks us for "AirRemediation.Engine" (the only assembly
/// of ours the cmdlets reference) and we hand it the copy loaded in <see cref="EngineLoadContext"/>; from there
/// the Engine's own references resolve inside that context.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineName = "AirRemediation.Engine";
    private static readonly object Gate = new();
    private static EngineLoadContext? context;
    private static bool hooked;

    /// <summary>Runs when the assembly is first touched, before PowerShell inspects any cmdlet type.</summary>
#pragma warning disable CA2255 // A library module initializer is the point here: the hook must exist before any Engine type is needed.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Hook()
    {
        lock (Gate)
        {
            if (hooked) return;
            var dir = Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");
            context = new EngineLoadContext(dir);
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
            hooked = true;
        }
    }

    public void OnImport() => Hook();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // The context cannot be unloaded while the cmdlet assembly (which cannot be unloaded) refers to it;
        // keep the hook so a re-import in the same session finds the same Engine.
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext _, AssemblyName name) =>
        name.Name == EngineName && context is not null ? context.LoadFromAssemblyName(name) : null;
}
