namespace AirRemediation.Simulator.Graph;

/// <summary>A parsed $filter: comparisons joined by and/or.</summary>
public abstract record FilterNode;
