namespace AirRemediation.Simulator.Graph;

public sealed record FilterAnd(FilterNode Left, FilterNode Right) : FilterNode;
