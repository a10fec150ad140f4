namespace AirRemediation.Simulator.Graph;

/// <summary>property op literal. Literal is string, bool, DateTimeOffset, long or null.</summary>
public sealed record FilterCompare(string Property, string Op, object? Literal, FilterLiteralKind Kind) : FilterNode;
