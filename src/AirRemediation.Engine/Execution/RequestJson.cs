using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Execution;

/// <summary>How requests are stored with their action: one serializer setting for every kind.</summary>
internal static class RequestJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static string Write<T>(T request) where T : ActionRequest => JsonSerializer.Serialize(request, Options);

    public static T Parse<T>(string json, ActionKind kind) where T : ActionRequest
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new AirException(AirErrorKind.InvalidInput, $"The stored {kind} request is empty.");
        }
        catch (JsonException e)
        {
            throw new AirException(AirErrorKind.InvalidInput, $"The stored {kind} request cannot be read: {e.Message}");
        }
    }
}
