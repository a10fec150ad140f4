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

    /// <param name="knownButUnsupported">Real properties of the Graph type that the simulator does not filter on.</param>
    public FilterEvaluator(FilterNode root, IReadOnlyDictionary<string, Property> properties, string graphType, IReadOnlySet<string> knownButUnsupported)
    {
        this.root = root;
        this.properties = properties;
        Check(root, graphType, knownButUnsupported);
    }

    void Check(FilterNode n, string graphType, IReadOnlySet<string> known)
    {
        switch (n)
        {
            case FilterAnd a: Check(a.Left, graphType, known); Check(a.Right, graphType, known); break;
            case FilterOr o: Check(o.Left, graphType, known); Check(o.Right, graphType, known); break;
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
