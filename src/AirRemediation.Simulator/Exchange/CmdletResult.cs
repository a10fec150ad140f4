using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Exchange;

/// <summary>What a cmdlet produced: output objects and warnings, or an error response.</summary>
public sealed class CmdletResult
{
    public List<JsonObject> Values { get; } = [];
    public List<string> Warnings { get; } = [];
    public ApiResponse? Error { get; init; }

    public static CmdletResult Fail(ApiResponse error) => new() { Error = error };
}
