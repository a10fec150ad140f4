using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Graph;

/// <summary>/security/alerts_v2: list, get, update, comments.</summary>
public static class AlertsHandlers
{
    public static readonly string[] Read = ["SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"];
    public static readonly string[] Write = ["SecurityAlert.ReadWrite.All"];
    public static readonly string[] ReadRoles = [DirectoryRoles.GlobalAdministrator, DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityOperator, DirectoryRoles.SecurityReader, DirectoryRoles.GlobalReader];
    public static readonly string[] WriteRoles = [DirectoryRoles.GlobalAdministrator, DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityOperator];

    static readonly Dictionary<string, FilterEvaluator<JsonObject>.Property> Filterable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["status"] = new(FilterLiteralKind.String, a => (string?)a["status"]),
        ["severity"] = new(FilterLiteralKind.String, a => (string?)a["severity"]),
        ["serviceSource"] = new(FilterLiteralKind.String, a => (string?)a["serviceSource"]),
        ["detectionSource"] = new(FilterLiteralKind.String, a => (string?)a["detectionSource"]),
        ["classification"] = new(FilterLiteralKind.String, a => (string?)a["classification"]),
        ["determination"] = new(FilterLiteralKind.String, a => (string?)a["determination"]),
        ["assignedTo"] = new(FilterLiteralKind.String, a => (string?)a["assignedTo"]),
        ["createdDateTime"] = new(FilterLiteralKind.DateTime, a => Date(a["createdDateTime"])),
        ["lastUpdateDateTime"] = new(FilterLiteralKind.DateTime, a => Date(a["lastUpdateDateTime"])),
    };

    static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase) { "title", "category", "incidentId", "tenantId", "evidence", "investigationState" };

    static readonly Dictionary<string, string[]> PatchEnums = new(StringComparer.OrdinalIgnoreCase)
    {
        ["status"] = ["unknown", "new", "inProgress", "resolved"],
        ["classification"] = ["unknown", "falsePositive", "truePositive", "informationalExpectedActivity"],
        ["determination"] =
        [
            "unknown", "apt", "malware", "securityPersonnel", "securityTesting", "unwantedSoftware", "other", "multiStagedAttack",
            "compromisedAccount", "phishing", "maliciousUserActivity", "notMalicious", "notEnoughDataToValidate", "confirmedActivity",
            "lineOfBusinessApplication",
        ],
    };

    /// <summary>
    /// The determinations the Defender portal offers under each classification (defender-xdr/investigate-alerts, "Classify
    /// an alert"). Whether Graph itself refuses a pair outside these is not documented; the simulator refuses it, so the
    /// module is held to the pairs the portal would record (docs/SIMULATOR.md, Open questions).
    /// </summary>
    static readonly Dictionary<string, string[]> DeterminationsOf = new(StringComparer.Ordinal)
    {
        ["truePositive"] = ["multiStagedAttack", "maliciousUserActivity", "compromisedAccount", "malware", "phishing", "unwantedSoftware", "other", "apt", "securityPersonnel"],
        ["informationalExpectedActivity"] = ["securityTesting", "lineOfBusinessApplication", "confirmedActivity", "other", "securityPersonnel"],
        ["falsePositive"] = ["notMalicious", "notEnoughDataToValidate", "other"],
    };

    static DateTimeOffset? Date(JsonNode? n) =>
        n is JsonValue v && DateTimeOffset.TryParse((string?)v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    static bool IncludeUnknown(RouteContext ctx) => ctx.Request.Prefers("include-unknown-enum-members");

    static ApiResponse NotFound(RouteContext ctx, string id) => ctx.Error(404, "NotFound", $"Alert '{id}' was not found.");

    public static ApiResponse List(RouteContext ctx)
    {
        var q = QueryOptions.Parse(ctx, 2000, 2000, ["$top", "$skip", "$filter", "$count", "$select"], out var error);
        if (error is not null) return error;
        FilterEvaluator<JsonObject>? eval = null;
        if (q.Filter is not null)
        {
            try
            {
                eval = new FilterEvaluator<JsonObject>(q.Filter, Filterable, "microsoft.graph.security.alert", Known);
            }
            catch (FilterSyntaxException e)
            {
                return ctx.Error(400, "BadRequest", e.Message);
            }
        }
        List<JsonObject> all;
        lock (ctx.State.AlertsGate)
        {
            all = [.. ctx.State.Alerts.Where(a => eval is null || eval.Matches(a)).OrderByDescending(a => (string?)a["createdDateTime"], StringComparer.Ordinal)
                .Select(a => EvolvableEnums.Apply(a, IncludeUnknown(ctx)))];
        }
        var body = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#security/alerts_v2" };
        if (q.Count) body["@odata.count"] = all.Count;
        body["value"] = new JsonArray([.. all.Skip(q.Skip).Take(q.Top).Select(a => (JsonNode)JsonSelect.Apply(a, q.Select))]);
        if (q.Skip + q.Top < all.Count) body["@odata.nextLink"] = QueryOptions.NextLink(ctx, q.Skip + q.Top, useSkipToken: false);
        return ApiResponse.Json(200, body);
    }

    static JsonObject? Find(RouteContext ctx) =>
        ctx.State.Alerts.FirstOrDefault(a => string.Equals((string?)a["id"], ctx.Params["alert"], StringComparison.Ordinal));

    static JsonObject WithContext(RouteContext ctx, JsonObject alert)
    {
        var o = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#security/alerts_v2/$entity" };
        foreach (var (k, v) in EvolvableEnums.Apply(alert, IncludeUnknown(ctx))) o[k] = v?.DeepClone();
        return o;
    }

    public static ApiResponse Get(RouteContext ctx)
    {
        lock (ctx.State.AlertsGate)
        {
            var a = Find(ctx);
            return a is null ? NotFound(ctx, ctx.Params["alert"]) : ApiResponse.Json(200, WithContext(ctx, a));
        }
    }

    public static ApiResponse Patch(RouteContext ctx)
    {
        if (ctx.Request.ParseBody() is not JsonObject patch) return ctx.Error(400, "BadRequest", "Empty Payload. JSON content expected.");
        foreach (var (k, v) in patch)
        {
            if (k.StartsWith("@odata", StringComparison.Ordinal)) continue;
            if (k.Equals("assignedTo", StringComparison.OrdinalIgnoreCase))
            {
                if (v is not null and not JsonValue) return ctx.Error(400, "BadRequest", "Invalid value for property 'assignedTo'.");
                continue;
            }
            if (!PatchEnums.TryGetValue(k, out var allowed)) return ctx.Error(400, "BadRequest", $"Property '{k}' is read-only or does not exist on type 'microsoft.graph.security.alert'.");
            if (v is not JsonValue value || !allowed.Contains((string?)value, StringComparer.Ordinal))
            {
                return ctx.Error(400, "BadRequest", $"Requested value '{v?.ToJsonString()}' was not found in enum '{k}'.");
            }
        }
        lock (ctx.State.AlertsGate)
        {
            var a = Find(ctx);
            if (a is null) return NotFound(ctx, ctx.Params["alert"]);
            string? After(string name) => patch.FirstOrDefault(kv => kv.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kv ? (string?)kv.Value : (string?)a[name];
            var classification = After("classification");
            var determination = After("determination");
            if (classification is not null && determination is not null and not "unknown" && DeterminationsOf.TryGetValue(classification, out var fits) && !fits.Contains(determination))
                return ctx.Error(400, "BadRequest", $"Determination '{determination}' is not valid for classification '{classification}'.");
            var now = ctx.Clock.GetUtcNow().ToString("o", CultureInfo.InvariantCulture);
            foreach (var (k, v) in patch)
            {
                if (k.StartsWith("@odata", StringComparison.Ordinal)) continue;
                var canonical = k.Equals("assignedTo", StringComparison.OrdinalIgnoreCase) ? "assignedTo" : PatchEnums.Keys.First(p => p.Equals(k, StringComparison.OrdinalIgnoreCase));
                a[canonical] = v?.DeepClone();
                if (canonical == "status" && (string?)v == "resolved") a["resolvedDateTime"] = now;
            }
            a["lastUpdateDateTime"] = now;
            return ApiResponse.Json(200, WithContext(ctx, a));
        }
    }

    public static ApiResponse PostComment(RouteContext ctx)
    {
        var body = ctx.Request.ParseBody();
        // The service takes ONE alertComment object; anything else (the SDK's array included) is "Empty Payload".
        if (body is not JsonObject o || o["comment"] is not JsonValue cv || string.IsNullOrEmpty((string?)cv))
        {
            return ctx.Error(400, "BadRequest", "Empty Payload. JSON content expected.");
        }
        lock (ctx.State.AlertsGate)
        {
            var a = Find(ctx);
            if (a is null) return NotFound(ctx, ctx.Params["alert"]);
            var comments = a["comments"] as JsonArray ?? [];
            a["comments"] = comments;
            comments.Add(new JsonObject
            {
                ["comment"] = (string?)cv,
                ["createdByDisplayName"] = ctx.Principal.IsApp ? ctx.Principal.AppDisplayName : ctx.Principal.UserPrincipalName,
                ["createdDateTime"] = ctx.Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            });
            a["lastUpdateDateTime"] = ctx.Clock.GetUtcNow().ToString("o", CultureInfo.InvariantCulture);
            return ApiResponse.Json(200, new JsonObject
            {
                ["@odata.context"] = ctx.Request.ServiceRoot + $"/$metadata#security/alerts_v2('{a["id"]}')/comments",
                ["value"] = comments.DeepClone(),
            });
        }
    }
}
