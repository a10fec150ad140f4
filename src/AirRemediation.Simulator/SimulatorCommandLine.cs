using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator;

/// <summary>Command line → SimulatorOptions. Unknown flags are errors so typos don't silently run the wrong tenant.</summary>
public static class SimulatorCommandLine
{
    public const string Usage =
        "usage: AirRemediation.Simulator --scenario FILE --port N [--tls-port N] [--token-lifetime SECONDS] " +
        "[--latency-ms N] [--jitter-ms N] [--generate M,N,K] [--seed S] [--device-code-delay-ms N] " +
        "[--server-error-rate R] [--gateway-timeout-rate R] [--drop-rate R] [--verbose]";

    public static SimulatorOptions Parse(string[] args)
    {
        var o = new SimulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{args[i - 1]} needs an integer.");
            double Rate() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1
                ? r : throw new FormatException($"{args[i - 1]} needs a rate between 0 and 1.");
            switch (args[i])
            {
                case "--scenario": o.ScenarioPath = Value(); break;
                case "--port": o.HttpPort = Int(); break;
                case "--tls-port": o.HttpsPort = Int(); break;
                case "--token-lifetime": o.TokenLifetimeSeconds = Int(); break;
                case "--latency-ms": o.LatencyMs = Int(); break;
                case "--jitter-ms": o.JitterMs = Int(); break;
                case "--generate": o.Generate = GeneratorSpec.Parse(Value()); break;
                case "--seed": o.Seed = Int(); break;
                case "--device-code-delay-ms": o.DeviceCodeApprovalDelay = TimeSpan.FromMilliseconds(Int()); break;
                case "--server-error-rate": o.ServerErrorRate = Rate(); break;
                case "--gateway-timeout-rate": o.AppliedButGatewayTimeoutRate = Rate(); break;
                case "--drop-rate": o.DropConnectionRate = Rate(); break;
                case "--verbose": o.Verbose = true; break;
                default: throw new FormatException($"Unknown argument '{args[i]}'.");
            }
        }
        return o;
    }
}
