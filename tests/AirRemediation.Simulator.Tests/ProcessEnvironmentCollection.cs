namespace AirRemediation.Simulator.Tests;

/// <summary>Tests that change process-wide state (environment variables, child processes) run alone.</summary>
[CollectionDefinition("process-environment", DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;
