namespace AirRemediation.Simulator.Graph;

/// <summary>A parsed $filter: comparisons joined by and/or.</summary>
public abstract record FilterNode;

public sealed record FilterAnd(FilterNode Left, FilterNode Right) : FilterNode;

public sealed record FilterOr(FilterNode Left, FilterNode Right) : FilterNode;

/// <summary>property op literal. Literal is string, bool, DateTimeOffset, long or null.</summary>
public sealed record FilterCompare(string Property, string Op, object? Literal, FilterLiteralKind Kind) : FilterNode;

public enum FilterLiteralKind
{
    String,
    Boolean,
    DateTime,
    Number,
    Null,
}
