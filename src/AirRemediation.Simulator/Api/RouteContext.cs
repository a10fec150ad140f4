using AirRemediation.Simulator.Identity;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Api;

/// <summary>What a handler gets: the request, its route parameters, the resolved mailbox (Outlook routes) and the services.</summary>
public sealed class RouteContext
{
    public required ApiRequest Request { get; init; }
    public required Dictionary<string, string> Params { get; init; }
    public required SimulatorContext Sim { get; init; }
    public Mailbox? Mailbox { get; set; }
    public AccessPrincipal Principal => Request.Principal!;
    public TenantState State => Sim.State;
    public TimeProvider Clock => Sim.Clock;

    public ApiResponse Error(int status, string code, string message) => GraphErrors.Create(status, code, message, Request, Sim.Clock);
}
