namespace AirRemediation.Simulator.Graph;

/// <summary>
/// Members added after unknownFutureValue come back as unknownFutureValue unless the client sends
/// Prefer: include-unknown-enum-members (Graph's evolvable enums).
/// </summary>
public static class EvolvableEnums
{
    /// <summary>evidenceRemediationStatus members after unknownFutureValue (v1.0 CSDL).</summary>
    static readonly HashSet<string> RemediationStatusLate = new(StringComparer.Ordinal)
    {
        "active", "pendingApproval", "declined", "unremediated", "running", "partiallyRemediated",
    };

    /// <summary>detectionSource and serviceSource members after unknownFutureValue (v1.0 CSDL).</summary>
    static readonly HashSet<string> ServiceSourceLate = new(StringComparer.Ordinal)
    {
        "microsoftDefenderForCloud", "microsoftSentinel", "microsoftInsiderRiskManagement",
    };

    public static JsonObject Apply(JsonObject alert, bool includeUnknown)
    {
        var a = (JsonObject)alert.DeepClone();
        if (includeUnknown) return a;
        if (a["serviceSource"] is JsonValue ss && ServiceSourceLate.Contains((string)ss!)) a["serviceSource"] = "unknownFutureValue";
        if (a["evidence"] is JsonArray evidence)
        {
            foreach (var e in evidence.OfType<JsonObject>())
            {
                if (e["remediationStatus"] is JsonValue rs && RemediationStatusLate.Contains((string)rs!)) e["remediationStatus"] = "unknownFutureValue";
            }
        }
        return a;
    }
}
