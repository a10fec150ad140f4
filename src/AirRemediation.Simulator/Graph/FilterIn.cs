namespace AirRemediation.Simulator.Graph;

/// <summary><c>property in ('a', 'b', …)</c>: served only where Graph documents it (directory objects), with its limit.</summary>
public sealed record FilterIn(string Property, IReadOnlyList<string> Values) : FilterNode;
