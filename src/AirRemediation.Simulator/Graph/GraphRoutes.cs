using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Graph;

/// <summary>The Graph v1.0 operations the simulator plays, with the permissions Microsoft documents for each.</summary>
public static class GraphRoutes
{
    public static RouteTable Build()
    {
        var t = new RouteTable();
        return t;
    }
}
