using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator;

/// <summary>Everything a simulator run is started with. Program.cs fills it from the command line; tests build it directly.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The tenant, as an object. Wins over ScenarioPath.</summary>
    public ScenarioDocument? Scenario { get; set; }
    /// <summary>Path of a scenario JSON file (relative PFX paths inside it resolve against its folder).</summary>
    public string? ScenarioPath { get; set; }
    /// <summary>Plain HTTP port on 127.0.0.1; 0 = any free port.</summary>
    public int HttpPort { get; set; }
    /// <summary>HTTPS port on 127.0.0.1 (identity endpoints need TLS for Azure.Identity); 0 = any free port.</summary>
    public int HttpsPort { get; set; }
    /// <summary>Access token lifetime; null = 3599 s, Entra's usual. A runtime fault setting overrides it.</summary>
    public int? TokenLifetimeSeconds { get; set; }
    /// <summary>Overrides the scenario's latency mean / jitter when set.</summary>
    public int? LatencyMs { get; set; }
    public int? JitterMs { get; set; }
    /// <summary>Overrides the scenario's limits when set.</summary>
    public LimitSettings? Limits { get; set; }
    /// <summary>Overrides the scenario's faults when set.</summary>
    public FaultSettings? Faults { get; set; }
    /// <summary>Fault rates set on top of the scenario's (or Faults') settings, e.g. from --server-error-rate.</summary>
    public double? ServerErrorRate { get; set; }
    public double? AppliedButGatewayTimeoutRate { get; set; }
    public double? DropConnectionRate { get; set; }
    /// <summary>Adds a generated scale tenant (mailboxes × messages, cluster of K).</summary>
    public GeneratorSpec? Generate { get; set; }
    /// <summary>Seed of every random choice (faults, jitter, generator) so runs repeat.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>How long until a device code is approved by the scenario's deviceCodeUser.</summary>
    public TimeSpan DeviceCodeApprovalDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Polling interval handed out with device codes.</summary>
    public int DeviceCodeIntervalSeconds { get; set; } = 1;
    /// <summary>Clock for token lifetimes, windows, storms and latency. Tests inject a fake one.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
    /// <summary>Write request logs to stderr.</summary>
    public bool Verbose { get; set; }
}
