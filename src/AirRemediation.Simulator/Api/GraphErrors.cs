namespace AirRemediation.Simulator.Api;

/// <summary>Graph's error envelope: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.</summary>
public static class GraphErrors
{
    public static ApiResponse Create(int status, string code, string message, ApiRequest? request = null, TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var requestId = request?.RequestId ?? Guid.NewGuid().ToString();
        return ApiResponse.Json(status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = requestId,
                    ["client-request-id"] = request?.ClientRequestId ?? requestId,
                },
            },
        });
    }

    public static ApiResponse BadRequest(ApiRequest r, string message) => Create(400, "BadRequest", message, r);

    public static ApiResponse NoSegment(ApiRequest r, string segment) => Create(400, "BadRequest", $"Resource not found for the segment '{segment}'.", r);
}
