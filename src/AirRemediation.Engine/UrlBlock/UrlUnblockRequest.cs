using System.Text.Json;

namespace AirRemediation.Engine.UrlBlock;

/// <summary>What Unblock-AirUrl asks for: entries by value and/or by Identity.</summary>
public sealed record UrlUnblockRequest
{
    public IReadOnlyList<string> Urls { get; init; } = [];
    public IReadOnlyList<string> Ids { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static UrlUnblockRequest FromJson(string json) =>
        JsonSerializer.Deserialize<UrlUnblockRequest>(json, Json) ?? throw new AirException(AirErrorKind.InvalidInput, "The stored URL unblock request is empty.");
}
