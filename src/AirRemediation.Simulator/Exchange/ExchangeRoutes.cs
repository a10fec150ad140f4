using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Exchange;

/// <summary>The Exchange Online admin API (InvokeCommand) operations.</summary>
public static class ExchangeRoutes
{
    public static RouteTable Build()
    {
        var t = new RouteTable();
        return t;
    }
}
