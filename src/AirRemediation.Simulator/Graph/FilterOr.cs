namespace AirRemediation.Simulator.Graph;

public sealed record FilterOr(FilterNode Left, FilterNode Right) : FilterNode;
