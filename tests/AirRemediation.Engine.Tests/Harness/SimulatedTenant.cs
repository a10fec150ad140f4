using System.Security;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;
using AirRemediation.Simulator;

namespace AirRemediation.Engine.Tests.Harness;

/// <summary>The simulator in-process and an Engine session signed in to it with the Automation app's secret.</summary>
internal static class SimulatedTenant
{
    public const string AutomationClientId = "3f4e2b1a-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
    public const string AutomationSecret = "sim-secret-Automation-9QxL2v~Hk3pWd";
    public const string ReaderClientId = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
    public const string ReaderSecret = "sim-secret-Reader-4TzQ8m~Lp2Xc";

    public static string ScenarioPath => Path.Combine(AppContext.BaseDirectory, "Scenarios", "default.json");

    /// <summary>The default scenario; <paramref name="configure"/> may change it (a fake clock, another scenario document…).</summary>
    public static Task<SimulatorServer> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var o = new SimulatorOptions { ScenarioPath = ScenarioPath };
        configure?.Invoke(o);
        return SimulatorServer.StartAsync(o);
    }

    /// <param name="tableStore">The action store on Azure Table, reached with the session's token (endpoint and table
    /// prefix); null for a fresh SQLite file.</param>
    public static Task<AirSession> ConnectAsync(SimulatorServer s, string clientId = AutomationClientId, string secret = AutomationSecret, RetryOptions? retry = null, TimeProvider? clock = null,
        (Uri Endpoint, string Prefix)? tableStore = null)
    {
        var secure = new SecureString();
        foreach (var c in secret) secure.AppendChar(c);
        secure.MakeReadOnly();
        return AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.ClientSecret,
            TenantId = s.TenantId,
            ClientId = clientId,
            ClientSecret = secure,
            AuthorityHost = s.Authority,
            GraphEndpoint = new Uri(s.Graph),
            ExchangeEndpoint = new Uri(s.Exchange),
            StorePath = tableStore is null ? Path.Combine(Path.GetTempPath(), "air-engine-test-" + Guid.NewGuid().ToString("n") + ".db") : null,
            StoreTableEndpoint = tableStore?.Endpoint,
            StoreTablePrefix = tableStore?.Prefix,
            Retry = retry,
        }, default, clock);
    }

    public static ServiceCaller Caller(AirSession session, RetryOptions? options = null)
    {
        var o = options ?? new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) };
        return new ServiceCaller(o, session.Clock);
    }
}
