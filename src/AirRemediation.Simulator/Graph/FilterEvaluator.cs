namespace AirRemediation.Simulator.Graph;

/// <summary>
/// Evaluates a parsed $filter against an item, given each property's type and value. Type mismatches and unknown
/// properties are refused up front with OData's messages, as Graph does.
/// </summary>
public sealed class FilterEvaluator<T>
{
    public sealed record Property(FilterLiteralKind Kind, Func<T, object?> Get);

    readonly FilterNode root;
    readonly IReadOnlyDictionary<string, Property> properties;
    // Each `in` list as a set, built once: a directory query is evaluated against every user of a generated tenant.
    readonly Dictionary<FilterIn, HashSet<string>> inSets = new(ReferenceEqualityComparer.Instance);

    /// <param name="knownButUnsupported">Real properties of the Graph type that the simulator does not filter on.</param>
    /// <param name="maxExpressions">Where the <c>in</c> operator is served (directory objects), the most expressions a
    /// filter holding it may have — each listed value and each comparison counts one (Graph's documented default: 15);
    /// 0 refuses <c>in</c> as an invalid node.</param>
    public FilterEvaluator(FilterNode root, IReadOnlyDictionary<string, Property> properties, string graphType, IReadOnlySet<string> knownButUnsupported,
        int maxExpressions = 0)
    {
        this.root = root;
        this.properties = properties;
        Check(root, graphType, knownButUnsupported);
        if (HasIn(root))
        {
            Collect(root);
            if (maxExpressions == 0) throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
            var count = Expressions(root);
            if (count > maxExpressions)
                throw new FilterSyntaxException("BadRequest", $"The filter has {count} expressions; at most {maxExpressions} are allowed with the 'in' operator.");
        }
    }

    static bool HasIn(FilterNode n) => n switch
    {
        FilterIn => true,
        FilterAnd a => HasIn(a.Left) || HasIn(a.Right),
        FilterOr o => HasIn(o.Left) || HasIn(o.Right),
        _ => false,
    };

    void Collect(FilterNode n)
    {
        switch (n)
        {
            case FilterIn i: inSets[i] = new HashSet<string>(i.Values, StringComparer.OrdinalIgnoreCase); break;
            case FilterAnd a: Collect(a.Left); Collect(a.Right); break;
            case FilterOr o: Collect(o.Left); Collect(o.Right); break;
        }
    }

    static int Expressions(FilterNode n) => n switch
    {
        FilterIn i => i.Values.Count,
        FilterAnd a => Expressions(a.Left) + Expressions(a.Right),
        FilterOr o => Expressions(o.Left) + Expressions(o.Right),
        _ => 1,
    };

    void Check(FilterNode n, string graphType, IReadOnlySet<string> known)
    {
        switch (n)
        {
            case FilterAnd a: Check(a.Left, graphType, known); Check(a.Right, graphType, known); break;
            case FilterOr o: Check(o.Left, graphType, known); Check(o.Right, graphType, known); break;
            case FilterIn i:
                if (!properties.TryGetValue(i.Property, out var ip))
                {
                    if (known.Contains(i.Property.Split('/')[0])) throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
                    throw new FilterSyntaxException("BadRequest", $"Could not find a property named '{i.Property.Split('/')[0]}' on type '{graphType}'.");
                }
                if (ip.Kind != FilterLiteralKind.String) throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
                break;
            case FilterCompare c:
                if (!properties.TryGetValue(c.Property, out var p))
                {
                    if (known.Contains(c.Property.Split('/')[0])) throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
                    throw new FilterSyntaxException("BadRequest", $"Could not find a property named '{c.Property.Split('/')[0]}' on type '{graphType}'.");
                }
                if (c.Kind != FilterLiteralKind.Null && c.Kind != p.Kind)
                {
                    throw new FilterSyntaxException("BadRequest",
                        $"A binary operator with incompatible types was detected. Found operand types '{EdmName(p.Kind)}' and '{EdmName(c.Kind)}' for operator kind '{OperatorName(c.Op)}'.");
                }
                if (p.Kind == FilterLiteralKind.Boolean && c.Op is not ("eq" or "ne"))
                {
                    throw new FilterSyntaxException("ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
                }
                break;
        }
    }

    static string EdmName(FilterLiteralKind k) => k switch
    {
        FilterLiteralKind.String => "Edm.String",
        FilterLiteralKind.Boolean => "Edm.Boolean",
        FilterLiteralKind.DateTime => "Edm.DateTimeOffset",
        FilterLiteralKind.Number => "Edm.Int32",
        _ => "null",
    };

    static string OperatorName(string op) => op switch
    {
        "eq" => "Equal",
        "ne" => "NotEqual",
        "gt" => "GreaterThan",
        "ge" => "GreaterThanOrEqual",
        "lt" => "LessThan",
        _ => "LessThanOrEqual",
    };

    public bool Matches(T item) => Eval(root, item);

    bool Eval(FilterNode n, T item) => n switch
    {
        FilterAnd a => Eval(a.Left, item) && Eval(a.Right, item),
        FilterOr o => Eval(o.Left, item) || Eval(o.Right, item),
        FilterCompare c => Compare(c, properties[c.Property].Get(item)),
        FilterIn i => properties[i.Property].Get(item) is string v && inSets[i].Contains(v),
        _ => false,
    };

    static bool Compare(FilterCompare c, object? value)
    {
        int? cmp = (value, c.Literal) switch
        {
            (null, null) => 0,
            (null, _) or (_, null) => null,
            (string a, string b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase),
            (bool a, bool b) => a.CompareTo(b),
            (DateTimeOffset a, DateTimeOffset b) => a.CompareTo(b),
            (long a, long b) => a.CompareTo(b),
            _ => null,
        };
        return c.Op switch
        {
            "eq" => cmp == 0,
            "ne" => cmp != 0,
            "gt" => cmp > 0,
            "ge" => cmp >= 0,
            "lt" => cmp < 0,
            _ => cmp <= 0,
        };
    }
}
