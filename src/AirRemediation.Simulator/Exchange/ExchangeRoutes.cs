using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Exchange;

/// <summary>The Exchange Online admin API (InvokeCommand) operations.</summary>
public static class ExchangeRoutes
{
    public static RouteTable Build()
    {
        var t = new RouteTable();
        t.Add(new Route
        {
            Method = "POST",
            Template = Route.Parse("{version}/{tenant}/InvokeCommand"),
            Kind = RouteKind.Exchange,
            Permissions = InvokeCommandHandler.Permissions,
            Handler = InvokeCommandHandler.Handle,
            StormKeys = InvokeCommandHandler.StormKeys,
        });
        return t;
    }
}
