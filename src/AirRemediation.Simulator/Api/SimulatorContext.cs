using AirRemediation.Simulator.Faults;
using AirRemediation.Simulator.Identity;
using AirRemediation.Simulator.Limits;
using AirRemediation.Simulator.Observability;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Api;

/// <summary>The services every handler and the pipeline share.</summary>
public sealed class SimulatorContext
{
    public required TenantState State { get; init; }
    public required TimeProvider Clock { get; init; }
    public required TokenService Tokens { get; init; }
    public required SecretRegistry Secrets { get; init; }
    public required SimulatorStats Stats { get; init; }
    public required FaultInjector Faults { get; init; }
    public required MailboxLimiter MailboxLimiter { get; init; }
    public required AppRateLimiter AppLimiter { get; init; }
    public required LimitSettings Limits { get; set; }
    public required Random LatencyRandom { get; init; }

    /// <summary>The InvokeCommand nextLinks handed out and not yet used (each is valid once, for a limited time).</summary>
    public required Exchange.ExchangePageLinks ExchangePages { get; init; }

    /// <summary>Exchange admin API requests of the tenant in flight now (<see cref="LimitSettings.ExchangeTenantConcurrency"/>).</summary>
    public int ExchangeInFlight;
}
