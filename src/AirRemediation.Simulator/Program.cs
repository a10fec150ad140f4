using System.Runtime.InteropServices;
using AirRemediation.Simulator;

// Parses the command line, starts the tenant, prints ONE ready line on stdout and runs until SIGTERM/SIGINT.
// Lifetime is deliberately not tied to stdin: harnesses that close stdin must not stop the tenant.
SimulatorOptions options;
try
{
    options = SimulatorCommandLine.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
    await Console.Error.WriteLineAsync(SimulatorCommandLine.Usage).ConfigureAwait(false);
    return 2;
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

SimulatorServer server;
try
{
    server = await SimulatorServer.StartAsync(options).ConfigureAwait(false);
}
catch (Exception e) when (e is InvalidDataException or IOException or System.Text.Json.JsonException or System.Security.Cryptography.CryptographicException)
{
    await Console.Error.WriteLineAsync("Simulator failed to start: " + e.Message).ConfigureAwait(false);
    return 1;
}

await using (server.ConfigureAwait(false))
{
    Console.Out.WriteLine(server.ReadyLine());
    Console.Out.Flush();
    await stop.Task.ConfigureAwait(false);
    if (options.Verbose) await Console.Error.WriteLineAsync($"[simulator] stopping at {DateTimeOffset.UtcNow:HH:mm:ss.fff}").ConfigureAwait(false);
}
if (options.Verbose) await Console.Error.WriteLineAsync($"[simulator] stopped at {DateTimeOffset.UtcNow:HH:mm:ss.fff}").ConfigureAwait(false);
return 0;
