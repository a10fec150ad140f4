using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Graph;

/// <summary>Inbox rules (mailFolders/inbox/messageRules). Read-only rules refuse changes, as the rules REST API does.</summary>
public static class RulesHandlers
{
    public static readonly string[] Read = ["MailboxSettings.Read", "MailboxSettings.ReadWrite"];
    public static readonly string[] Write = ["MailboxSettings.ReadWrite"];

    static readonly HashSet<string> Writable = new(StringComparer.OrdinalIgnoreCase) { "displayName", "sequence", "isEnabled", "conditions", "actions", "exceptions" };
    static readonly HashSet<string> ReadOnlyProps = new(StringComparer.OrdinalIgnoreCase) { "id", "hasError", "isReadOnly", "@odata.type", "@odata.etag", "@odata.context" };
    static readonly string[] RecipientActions = ["forwardTo", "forwardAsAttachmentTo", "redirectTo"];

    static string Context(RouteContext ctx) =>
        ctx.Request.ServiceRoot + "/$metadata#users('" + Uri.EscapeDataString(ctx.Params.GetValueOrDefault("user") ?? ctx.Mailbox!.Owner.Id) + "')/mailFolders('inbox')/messageRules";

    static JsonObject? Find(RouteContext ctx) =>
        ctx.Mailbox!.Rules.FirstOrDefault(r => string.Equals((string?)r["id"], ctx.Params["rule"], StringComparison.Ordinal));

    public static ApiResponse List(RouteContext ctx)
    {
        var mbx = ctx.Mailbox!;
        JsonArray value;
        lock (mbx.Gate) value = new JsonArray([.. mbx.Rules.OrderBy(r => (int?)r["sequence"] ?? 0).Select(r => r.DeepClone())]);
        return ApiResponse.Json(200, new JsonObject { ["@odata.context"] = Context(ctx), ["value"] = value });
    }

    public static ApiResponse Get(RouteContext ctx)
    {
        var mbx = ctx.Mailbox!;
        lock (mbx.Gate)
        {
            var rule = Find(ctx);
            if (rule is null) return NotFound(ctx);
            return ApiResponse.Json(200, WithContext(ctx, rule));
        }
    }

    static ApiResponse NotFound(RouteContext ctx) => ctx.Error(404, "ErrorItemNotFound", "The specified object was not found in the store.");

    static ApiResponse ReadOnly(RouteContext ctx) =>
        ctx.Error(403, "ErrorAccessDenied", "The rule is read-only and can't be modified or deleted using the rules REST API.");

    static JsonObject WithContext(RouteContext ctx, JsonObject rule)
    {
        var o = new JsonObject { ["@odata.context"] = Context(ctx) + "/$entity" };
        foreach (var (k, v) in rule) o[k] = v?.DeepClone();
        return o;
    }

    public static ApiResponse Patch(RouteContext ctx)
    {
        if (ctx.Request.ParseBody() is not JsonObject patch) return ctx.Error(400, "BadRequest", "Empty Payload. JSON content expected.");
        foreach (var (k, v) in patch)
        {
            if (ReadOnlyProps.Contains(k)) continue;
            if (!Writable.Contains(k)) return ctx.Error(400, "RequestBodyRead", $"The property '{k}' does not exist on type 'microsoft.graph.messageRule'. Make sure to only use property names that are defined by the type or mark the type as open type.");
            if (k.Equals("actions", StringComparison.OrdinalIgnoreCase) && v is JsonObject actions)
            {
                foreach (var name in RecipientActions)
                {
                    var node = actions.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
                    if (node is not null and not JsonArray)
                    {
                        return ctx.Error(400, "RequestBodyRead", $"An unexpected 'StartObject' node was found for property named '{name}' when reading from the JSON reader. A 'StartArray' node was expected.");
                    }
                }
            }
        }
        var mbx = ctx.Mailbox!;
        lock (mbx.Gate)
        {
            var rule = Find(ctx);
            if (rule is null) return NotFound(ctx);
            if ((bool?)rule["isReadOnly"] == true) return ReadOnly(ctx);
            foreach (var (k, v) in patch)
            {
                if (ReadOnlyProps.Contains(k)) continue;
                var canonical = Writable.First(w => string.Equals(w, k, StringComparison.OrdinalIgnoreCase));
                rule[canonical] = v?.DeepClone();
            }
            return ApiResponse.Json(200, WithContext(ctx, rule));
        }
    }

    /// <summary>POST messageRules: creates a rule (201 + the rule with its new id).</summary>
    public static ApiResponse Create(RouteContext ctx)
    {
        if (ctx.Request.ParseBody() is not JsonObject body) return ctx.Error(400, "BadRequest", "Empty Payload. JSON content expected.");
        if (body["displayName"] is null) return ctx.Error(400, "ErrorInvalidRequest", "The rule needs a displayName.");
        var rule = new JsonObject();
        foreach (var (k, v) in body)
        {
            if (ReadOnlyProps.Contains(k)) continue;
            if (!Writable.Contains(k)) return ctx.Error(400, "RequestBodyRead", $"The property '{k}' does not exist on type 'microsoft.graph.messageRule'. Make sure to only use property names that are defined by the type or mark the type as open type.");
            rule[Writable.First(w => string.Equals(w, k, StringComparison.OrdinalIgnoreCase))] = v?.DeepClone();
        }
        var mbx = ctx.Mailbox!;
        lock (mbx.Gate)
        {
            State.RuleNormalizer.Normalize(mbx, rule);
            mbx.Rules.Add(rule);
            return ApiResponse.Json(201, WithContext(ctx, rule));
        }
    }

    public static ApiResponse Delete(RouteContext ctx)
    {
        var mbx = ctx.Mailbox!;
        lock (mbx.Gate)
        {
            var rule = Find(ctx);
            if (rule is null) return NotFound(ctx);
            if ((bool?)rule["isReadOnly"] == true) return ReadOnly(ctx);
            mbx.Rules.Remove(rule);
        }
        return ApiResponse.Empty(204);
    }
}
