using System.Reflection;
using System.Reflection.Emit;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Architecture;

/// <summary>
/// The Engine's namespaces form layers (Actions, Store, Http, Auth, Graph/Exchange, Execution, Kinds, Approvals): no
/// namespace may depend, directly or through others, on one that depends on it. Read from the compiled assembly —
/// signatures and every type, method and field a method body touches — so an implicit use of a parent namespace's type
/// counts as much as a using directive.
/// </summary>
public sealed class NamespaceDependencyTests(ITestOutputHelper output)
{
    private const string Root = "AirRemediation.Engine";

    [Fact]
    public void The_engine_namespaces_have_no_dependency_cycle()
    {
        var graph = DependencyGraph(typeof(AirException).Assembly);
        foreach (var (from, to) in graph.OrderBy(p => p.Key)) output.WriteLine($"{from} -> {string.Join(", ", to.Order())}");
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).Select(c => string.Join(" <-> ", c.Order())).ToList();
        Assert.True(cycles.Count == 0, "Namespace cycles: " + string.Join("; ", cycles));
    }

    [Fact]
    public void The_pipeline_knows_no_kind_and_no_kind_knows_another_family()
    {
        var graph = DependencyGraph(typeof(AirException).Assembly);
        Assert.DoesNotContain(graph[$"{Root}.Execution"], n => n.StartsWith($"{Root}.Kinds", StringComparison.Ordinal) || n == $"{Root}.Approvals");
        Assert.DoesNotContain(graph[$"{Root}.Kinds.SoftDelete"], n => n.Contains("Url", StringComparison.Ordinal) || n.Contains("Forwarding", StringComparison.Ordinal));
        Assert.DoesNotContain(graph[$"{Root}.Kinds.UrlBlock"], n => n.Contains("SoftDelete", StringComparison.Ordinal) || n.Contains("Forwarding", StringComparison.Ordinal));
    }

    internal static Dictionary<string, HashSet<string>> DependencyGraph(Assembly assembly)
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = NamespaceOf(type);
            if (from is null || from == Root) continue;
            var deps = graph.TryGetValue(from, out var d) ? d : graph[from] = [];
            foreach (var used in Referenced(type))
                if (NamespaceOf(used) is { } to && to != from && to != Root) deps.Add(to);
        }
        return graph;
    }

    /// <summary>The namespace a type belongs to (a nested or compiler-generated type: its outermost declaring type's).</summary>
    private static string? NamespaceOf(Type t)
    {
        while (t.IsNested) t = t.DeclaringType!;
        if (t.IsGenericType && !t.IsGenericTypeDefinition) t = t.GetGenericTypeDefinition();
        return t.Namespace is { } ns && (ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal)) ? ns : null;
    }

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            found.Add(t);
            if (t.IsGenericType && !t.IsGenericTypeDefinition) foreach (var a in t.GetGenericArguments()) Add(a);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var f in type.GetFields(all)) Add(f.FieldType);
        foreach (var p in type.GetProperties(all)) Add(p.PropertyType);
        foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            var body = m.GetMethodBody();
            if (body is null) continue;
            foreach (var l in body.LocalVariables) Add(l.LocalType);
            foreach (var member in IlMembers(m, body.GetILAsByteArray() ?? []))
                switch (member)
                {
                    case Type t: Add(t); break;
                    case MethodBase mb: Add(mb.DeclaringType); break;
                    case FieldInfo fi: Add(fi.DeclaringType); Add(fi.FieldType); break;
                }
        }
        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Every type, method and field token in a method body's IL.</summary>
    private static IEnumerable<MemberInfo> IlMembers(MethodBase method, byte[] il)
    {
        var module = method.Module;
        var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            if (!OpCodesByValue.TryGetValue(value, out var op)) yield break;
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                    MemberInfo? m = null;
                    try { m = module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                    catch (ArgumentException) { }
                    catch (BadImageFormatException) { }
                    if (m is not null) yield return m;
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var on = new HashSet<string>();
        var result = new List<List<string>>();
        var next = 0;
        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            on.Add(v);
            foreach (var w in graph.TryGetValue(v, out var e) ? e : [])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (on.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var c = new List<string>();
            string x;
            do { x = stack.Pop(); on.Remove(x); c.Add(x); } while (x != v);
            result.Add(c);
        }
        foreach (var v in graph.Keys.ToList()) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }
}
