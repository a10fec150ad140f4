namespace AirRemediation.Simulator.Api;

/// <summary>What a handler answers: status, headers, JSON body; or an instruction to drop the connection.</summary>
public sealed class ApiResponse
{
    public int Status { get; set; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public JsonNode? Body { get; set; }

    /// <summary>A plain-text body instead of JSON (Exchange's tenant concurrency answer is one).</summary>
    public string? Text { get; set; }
    public bool AbortConnection { get; set; }

    public static ApiResponse Json(int status, JsonNode? body) => new() { Status = status, Body = body };

    public static ApiResponse Empty(int status) => new() { Status = status };

    public static ApiResponse PlainText(int status, string text) => new() { Status = status, Text = text };

    public ApiResponse With(string header, string value)
    {
        Headers[header] = value;
        return this;
    }
}
