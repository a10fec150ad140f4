namespace AirRemediation.Simulator.State;

/// <summary>Fills in what the real alerts_v2 always returns, so a terse scenario still yields Graph's full shape.</summary>
public static class AlertNormalizer
{
    public static JsonObject Normalize(JsonObject a, string tenantId, TimeProvider clock)
    {
        var now = clock.GetUtcNow().ToString("o", CultureInfo.InvariantCulture);
        var id = a["id"]?.GetValue<string>() ?? throw new InvalidDataException("Every alert needs an id.");
        a["@odata.type"] = "#microsoft.graph.security.alert";
        Default(a, "providerAlertId", id);
        Default(a, "incidentId", null);
        Default(a, "status", "new");
        Default(a, "severity", "medium");
        Default(a, "classification", "unknown");
        Default(a, "determination", "unknown");
        Default(a, "serviceSource", "microsoftDefenderForOffice365");
        Default(a, "detectionSource", "microsoftDefenderForOffice365");
        Default(a, "productName", "Microsoft Defender for Office 365");
        Default(a, "detectorId", "8e7f3b5a-2c1d-4e6f-9a0b-1c2d3e4f5a6b");
        a["tenantId"] = tenantId;
        Default(a, "title", "Email messages containing malicious URL removed after delivery");
        Default(a, "description", "");
        Default(a, "recommendedActions", "");
        Default(a, "category", "InitialAccess");
        Default(a, "assignedTo", null);
        Default(a, "alertWebUrl", $"https://security.microsoft.com/alerts/{id}?tid={tenantId}");
        Default(a, "incidentWebUrl", a["incidentId"] is null ? null : $"https://security.microsoft.com/incidents/{a["incidentId"]}?tid={tenantId}");
        Default(a, "actorDisplayName", null);
        Default(a, "threatDisplayName", null);
        Default(a, "threatFamilyName", null);
        Default(a, "mitreTechniques", new JsonArray());
        Default(a, "createdDateTime", now);
        Default(a, "lastUpdateDateTime", a["createdDateTime"]!.GetValue<string>());
        Default(a, "resolvedDateTime", null);
        Default(a, "firstActivityDateTime", a["createdDateTime"]!.GetValue<string>());
        Default(a, "lastActivityDateTime", a["createdDateTime"]!.GetValue<string>());
        Default(a, "investigationState", "unknown");
        Default(a, "alertPolicyId", null);
        Default(a, "systemTags", new JsonArray());
        Default(a, "comments", new JsonArray());
        Default(a, "evidence", new JsonArray());
        foreach (var c in a["comments"]!.AsArray().OfType<JsonObject>())
        {
            Default(c, "createdByDisplayName", "Automation");
            Default(c, "createdDateTime", now);
        }
        foreach (var e in a["evidence"]!.AsArray().OfType<JsonObject>())
        {
            var type = e["@odata.type"]?.GetValue<string>() ?? throw new InvalidDataException($"Alert {id}: evidence needs @odata.type.");
            if (!type.StartsWith('#')) e["@odata.type"] = "#microsoft.graph.security." + type;
            Default(e, "createdDateTime", a["createdDateTime"]!.GetValue<string>());
            Default(e, "verdict", "unknown");
            Default(e, "remediationStatus", "none");
            Default(e, "remediationStatusDetails", null);
            Default(e, "roles", new JsonArray());
            Default(e, "detailedRoles", new JsonArray());
            Default(e, "tags", new JsonArray());
        }
        return a;
    }

    static void Default(JsonObject o, string name, JsonNode? value)
    {
        if (!o.ContainsKey(name)) o[name] = value;
    }

    static void Default(JsonObject o, string name, string? value)
    {
        if (!o.ContainsKey(name)) o[name] = value is null ? null : JsonValue.Create(value);
    }
}
