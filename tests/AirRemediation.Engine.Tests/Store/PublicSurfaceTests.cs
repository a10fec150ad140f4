using System.Reflection;
using AirRemediation.Engine.Store;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>The cmdlet assembly compiles against the Engine while SQLite and Azure load in a private context:
/// the store's public surface may use only BCL and Engine types.</summary>
public class PublicSurfaceTests
{
    private static readonly Assembly Engine = typeof(IActionStore).Assembly;

    private static bool Allowed(Type t)
    {
        if (t.IsGenericParameter)
        {
            return true;
        }
        if (t.HasElementType)
        {
            return Allowed(t.GetElementType()!);
        }
        if (t.IsGenericType && !t.GetGenericArguments().All(Allowed))
        {
            return false;
        }
        var asm = t.Assembly;
        return asm == Engine || asm == typeof(object).Assembly || (asm.GetName().Name ?? "").StartsWith("System.", StringComparison.Ordinal);
    }

    [Fact]
    public void StoreAndActionTypesExposeOnlyBclAndEngineTypes()
    {
        var offenders = new List<string>();
        var types = Engine.GetExportedTypes().Where(t => t.Namespace is "AirRemediation.Engine.Store" or "AirRemediation.Engine.Actions").ToList();
        Assert.Contains(typeof(SqliteActionStore), types);
        Assert.Contains(typeof(TableActionStore), types);
        foreach (var t in types)
        {
            if (t.BaseType is { } b && !Allowed(b))
            {
                offenders.Add($"{t.Name} : {b}");
            }
            foreach (var i in t.GetInterfaces().Where(i => !Allowed(i)))
            {
                offenders.Add($"{t.Name} : {i}");
            }
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var m in t.GetMethods(flags))
            {
                if (!Allowed(m.ReturnType))
                {
                    offenders.Add($"{t.Name}.{m.Name} returns {m.ReturnType}");
                }
                offenders.AddRange(m.GetParameters().Where(p => !Allowed(p.ParameterType)).Select(p => $"{t.Name}.{m.Name}({p.ParameterType} {p.Name})"));
            }
            foreach (var c in t.GetConstructors(flags))
            {
                offenders.AddRange(c.GetParameters().Where(p => !Allowed(p.ParameterType)).Select(p => $"{t.Name}..ctor({p.ParameterType})"));
            }
            offenders.AddRange(t.GetProperties(flags).Where(p => !Allowed(p.PropertyType)).Select(p => $"{t.Name}.{p.Name}: {p.PropertyType}"));
            offenders.AddRange(t.GetFields(flags).Where(f => !Allowed(f.FieldType)).Select(f => $"{t.Name}.{f.Name}: {f.FieldType}"));
        }
        Assert.Empty(offenders);
    }
}
