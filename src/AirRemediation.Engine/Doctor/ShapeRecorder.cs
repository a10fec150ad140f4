namespace AirRemediation.Engine.Doctor;

/// <summary>
/// Writes what a tenant answered as a shape: property names kept, every value replaced by its JSON type, arrays cut to
/// one element's shape. No address, subject, id, token or other value of the tenant survives, so the files can be
/// shared and loaded by the simulator's conformance tests.
/// </summary>
public static class ShapeRecorder
{
    /// <summary>The shape of <paramref name="node"/>: "string", "number", "boolean", null, objects and one-element arrays.</summary>
    public static JsonNode? Shape(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Shape(p.Value)))),
        JsonArray a => a.Count == 0 ? new JsonArray() : new JsonArray(Shape(a[0])),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "unknown",
    };

    /// <summary>One probe's record: which probe, the request as a template (no values), the status and the body's shape.</summary>
    public static JsonObject Record(string probe, string requestTemplate, int? status, string? body)
    {
        JsonNode? shape;
        try
        {
            shape = string.IsNullOrWhiteSpace(body) ? null : Shape(JsonNode.Parse(body));
        }
        catch (JsonException)
        {
            shape = "non-JSON body";
        }
        return new JsonObject { ["probe"] = probe, ["request"] = requestTemplate, ["status"] = status, ["shape"] = shape };
    }
}
