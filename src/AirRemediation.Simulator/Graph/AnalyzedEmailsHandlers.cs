using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Graph;

/// <summary>
/// /security/collaboration/analyzedEmails (one item per delivered copy carrying a networkMessageId) and its
/// remediate action, which the simulator applies at once (the History tab holds directly approved actions).
/// </summary>
public static class AnalyzedEmailsHandlers
{
    public static readonly string[] Read = ["SecurityAnalyzedMessage.Read.All", "SecurityAnalyzedMessage.ReadWrite.All"];
    public static readonly string[] Write = ["SecurityAnalyzedMessage.ReadWrite.All"];

    sealed record Copy(Mailbox Mailbox, SimMessage Message);

    static readonly Dictionary<string, FilterEvaluator<Copy>.Property> Filterable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["networkMessageId"] = new(FilterLiteralKind.String, c => c.Message.NetworkMessageId),
        ["recipientEmailAddress"] = new(FilterLiteralKind.String, c => c.Mailbox.Owner.Mail),
        ["internetMessageId"] = new(FilterLiteralKind.String, c => c.Message.InternetMessageId),
        ["subject"] = new(FilterLiteralKind.String, c => c.Message.Subject),
        ["loggedDateTime"] = new(FilterLiteralKind.DateTime, c => c.Message.Received),
    };

    static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase) { "emailClusterId", "senderDetail", "threatTypes", "directionality", "urls" };

    static string Location(Mailbox m, SimMessage msg) => msg.Purged ? "dropped" : msg.FolderIndex switch
    {
        WellKnownFolders.Inbox => "inbox",
        WellKnownFolders.JunkEmail => "junkFolder",
        WellKnownFolders.DeletedItems or WellKnownFolders.RecoverableItemsDeletions => "deletedFolder",
        _ => m.FolderWellKnownName(msg.FolderIndex) is null ? "inbox" : "others",
    };

    static string StableGuid(string text)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new Guid(h.AsSpan(0, 16)).ToString();
    }

    static JsonObject Json(Copy c)
    {
        var m = c.Message;
        var domain = m.FromAddress.Split('@').LastOrDefault() ?? "";
        var location = Location(c.Mailbox, m);
        return new JsonObject
        {
            ["id"] = StableGuid(m.NetworkMessageId + "|" + c.Mailbox.Owner.Mail),
            ["loggedDateTime"] = MessageJson.Time(m.ReceivedTicks),
            ["networkMessageId"] = m.NetworkMessageId,
            ["internetMessageId"] = m.InternetMessageId,
            ["senderDetail"] = new JsonObject
            {
                ["fromAddress"] = m.FromAddress,
                ["displayName"] = m.FromName ?? m.FromAddress,
                ["domainName"] = domain,
                ["mailFromAddress"] = m.FromAddress,
                ["mailFromDomainName"] = domain,
                ["ipv4"] = "203.0.113.7",
            },
            ["recipientEmailAddress"] = c.Mailbox.Owner.Mail,
            ["distributionList"] = null,
            ["subject"] = m.Subject,
            ["returnPath"] = m.FromAddress,
            ["directionality"] = c.Mailbox.Owner.Mail.EndsWith("@" + domain, StringComparison.OrdinalIgnoreCase) ? "intraOrg" : "inbound",
            ["originalDelivery"] = new JsonObject { ["location"] = "inbox", ["latestThreats"] = new JsonArray(), ["action"] = "delivered" },
            ["latestDelivery"] = new JsonObject { ["location"] = location, ["action"] = location == "inbox" ? "delivered" : "remediated" },
            ["emailClusterId"] = StableGuid(m.Subject + "|" + domain),
            ["threatTypes"] = new JsonArray(),
            ["detectionMethods"] = new JsonArray(),
            ["language"] = "en",
            ["sizeInBytes"] = 8192 + m.Subject.Length,
            ["urls"] = new JsonArray([.. (m.Urls ?? []).Select(u => (JsonNode)new JsonObject { ["url"] = u, ["domain"] = new Uri(u).Host })]),
            ["attachments"] = new JsonArray(),
            ["alertIds"] = new JsonArray(),
            ["policy"] = null,
            ["policyAction"] = null,
            ["bulkComplaintLevel"] = null,
            ["spamConfidenceLevel"] = null,
            ["phishConfidenceLevel"] = null,
            ["overrideSources"] = new JsonArray(),
            ["clientType"] = null,
            ["contexts"] = new JsonArray(),
            ["exchangeTransportRules"] = new JsonArray(),
            ["inboundConnectorFormattedName"] = null,
            ["timelineEvents"] = new JsonArray(),
        };
    }

    public static ApiResponse List(RouteContext ctx)
    {
        Interlocked.Increment(ref ctx.Sim.Stats.AnalyzedEmailsQueries);
        if (!ctx.Request.Query.ContainsKey("startTime") || !ctx.Request.Query.ContainsKey("endTime"))
            Interlocked.Increment(ref ctx.Sim.Stats.AnalyzedEmailsQueriesWithoutWindow);
        var q = QueryOptions.Parse(ctx, 100, 1000, ["$top", "$skiptoken", "$filter", "$count"], out var error);
        if (error is not null) return error;
        FilterEvaluator<Copy>? eval = null;
        if (q.Filter is not null)
        {
            try
            {
                eval = new FilterEvaluator<Copy>(q.Filter, Filterable, "microsoft.graph.security.analyzedEmail", Known);
            }
            catch (FilterSyntaxException e)
            {
                return ctx.Error(400, "BadRequest", e.Message);
            }
        }
        DateTimeOffset? start = null, end = null;
        foreach (var (name, set) in new (string, Action<DateTimeOffset>)[] { ("startTime", d => start = d), ("endTime", d => end = d) })
        {
            if (!ctx.Request.Query.TryGetValue(name, out var text)) continue;
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)) return ctx.Error(400, "BadRequest", $"Invalid value '{text}' for parameter '{name}'.");
            set(d);
        }
        var matches = new List<JsonObject>();
        var total = 0;
        foreach (var mbx in ctx.State.Mailboxes)
        {
            lock (mbx.Gate)
            {
                foreach (var m in mbx.Messages)
                {
                    if (m.NetworkMessageId is null) continue;
                    if (start is { } s && m.Received < s) continue;
                    if (end is { } e && m.Received > e) continue;
                    var copy = new Copy(mbx, m);
                    if (eval is not null && !eval.Matches(copy)) continue;
                    if (total >= q.Skip && total < q.Skip + q.Top) matches.Add(Json(copy));
                    total++;
                }
            }
        }
        var body = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#security/collaboration/analyzedEmails" };
        if (q.Count) body["@odata.count"] = total;
        body["value"] = new JsonArray([.. matches]);
        if (q.Skip + q.Top < total) body["@odata.nextLink"] = QueryOptions.NextLink(ctx, q.Skip + q.Top, useSkipToken: true);
        return ApiResponse.Json(200, body);
    }

    static readonly Dictionary<string, int> Actions = new(StringComparer.Ordinal)
    {
        ["moveToJunk"] = WellKnownFolders.JunkEmail,
        ["moveToInbox"] = WellKnownFolders.Inbox,
        ["hardDelete"] = WellKnownFolders.Purges,
        ["softDelete"] = WellKnownFolders.RecoverableItemsDeletions,
        ["moveToDeletedItems"] = WellKnownFolders.DeletedItems,
    };

    public static ApiResponse Remediate(RouteContext ctx)
    {
        if (ctx.Request.ParseBody() is not JsonObject body) return ctx.Error(400, "BadRequest", "Empty Payload. JSON content expected.");
        var action = (string?)body["action"];
        if (action is null) return ctx.Error(400, "BadRequest", "The parameter 'action' is required.");
        if (action is "moveToQuarantine" or "unknownFutureValue") return ctx.Error(400, "BadRequest", $"Remediation action '{action}' is not supported.");
        if (!Actions.TryGetValue(action, out var target)) return ctx.Error(400, "BadRequest", $"Requested value '{action}' was not found in enum 'remediationAction'.");
        if (body["severity"] is JsonValue sev && (string?)sev is not ("low" or "medium" or "high"))
        {
            return ctx.Error(400, "BadRequest", $"Requested value '{(string?)sev}' was not found in enum 'remediationSeverity'.");
        }
        if (body["analyzedEmails"] is not JsonArray items || items.Count == 0) return ctx.Error(400, "BadRequest", "The parameter 'analyzedEmails' is required.");
        var pairs = new List<(string NetworkId, string Recipient)>();
        foreach (var i in items)
        {
            if (i is not JsonObject o || (string?)o["networkMessageId"] is not { } nid || (string?)o["recipientEmailAddress"] is not { } rcpt)
            {
                return ctx.Error(400, "BadRequest", "Each analyzedEmail needs networkMessageId and recipientEmailAddress.");
            }
            pairs.Add((nid, rcpt));
        }
        var now = ctx.Clock.GetUtcNow().UtcTicks;
        foreach (var (nid, rcpt) in pairs)
        {
            var mbx = ctx.State.FindByAddress(rcpt)?.Mailbox;
            if (mbx is null) continue;
            lock (mbx.Gate)
            {
                foreach (var m in mbx.Messages)
                {
                    if (m.Purged || !string.Equals(m.NetworkMessageId, nid, StringComparison.OrdinalIgnoreCase)) continue;
                    // "Already in destination" items are left alone, as Defender reports them.
                    if (m.FolderIndex == target) continue;
                    m.FolderIndex = target;
                    m.Purged = target == WellKnownFolders.Purges;
                    m.Version++;
                    m.TimesMoved++;
                    m.LastModifiedTicks = now;
                }
            }
        }
        var bulkId = Guid.NewGuid().ToString();
        ctx.State.Remediations[bulkId] = (JsonObject)body.DeepClone();
        var filters = Uri.EscapeDataString("{\"bulkId\":[\"" + bulkId + "\"]}");
        return ApiResponse.Empty(202).With("Location", $"https://security.microsoft.com/action-center/history?filters={filters}&tid={ctx.State.TenantId}");
    }
}
