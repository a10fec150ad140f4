using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Exchange;

/// <summary>What a cmdlet produced: output objects and warnings, or an error response.</summary>
public sealed class CmdletResult
{
    public List<JsonObject> Values { get; } = [];
    public List<string> Warnings { get; } = [];

    /// <summary>
    /// Output that is one string rather than objects (-OutputJson: every entry's result serialized as one JSON value);
    /// answered as the single element of <c>value</c>, which the client must parse itself.
    /// </summary>
    public string? Text { get; set; }
    public ApiResponse? Error { get; init; }

    public static CmdletResult Fail(ApiResponse error) => new() { Error = error };
}
