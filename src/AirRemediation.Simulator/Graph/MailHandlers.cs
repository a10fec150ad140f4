using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Graph;

/// <summary>Messages and mail folders of one mailbox, as Outlook's Graph endpoints answer.</summary>
public static class MailHandlers
{
    public static readonly string[] MailRead = ["Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"];
    public static readonly string[] MailWrite = ["Mail.ReadWrite"];

    static readonly Dictionary<string, FilterEvaluator<SimMessage>.Property> Filterable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["receivedDateTime"] = new(FilterLiteralKind.DateTime, m => m.Received),
        ["internetMessageId"] = new(FilterLiteralKind.String, m => m.InternetMessageId),
        ["subject"] = new(FilterLiteralKind.String, m => m.Subject),
        ["from/emailAddress/address"] = new(FilterLiteralKind.String, m => m.FromAddress),
        ["hasAttachments"] = new(FilterLiteralKind.Boolean, m => m.HasAttachments),
        ["isRead"] = new(FilterLiteralKind.Boolean, m => m.IsRead),
    };

    /// <summary>
    /// As <see cref="Filterable"/>, except that <c>from/emailAddress/address eq</c> does not match a sender of the tenant's own
    /// domains: Graph's sender filter is reported to miss same-organisation senders (live-evidence.md; microsoft-graph-docs#121,
    /// still reported in 2021), and the stricter reading is taken.
    /// </summary>
    static Dictionary<string, FilterEvaluator<SimMessage>.Property> FilterableFor(TenantState state) =>
        new(Filterable, StringComparer.OrdinalIgnoreCase)
        {
            ["from/emailAddress/address"] = new(FilterLiteralKind.String, m => state.IsAcceptedDomain(m.FromAddress.Split('@').LastOrDefault() ?? "") ? null : m.FromAddress),
        };

    static ApiResponse ItemNotFound(RouteContext ctx) => ctx.Error(404, "ErrorItemNotFound", "The specified object was not found in the store.");

    static ApiResponse Malformed(RouteContext ctx) => ctx.Error(400, "ErrorInvalidIdMalformed", "Id is malformed.");

    static void MarkImmutable(RouteContext ctx, ApiResponse r)
    {
        if (ctx.Request.WantsImmutableIds) r.Headers["Preference-Applied"] = "IdType=\"ImmutableId\"";
    }


    static string ContextBase(RouteContext ctx) =>
        ctx.Request.ServiceRoot + "/$metadata#users('" + Uri.EscapeDataString(ctx.Params.GetValueOrDefault("user") ?? ctx.Mailbox!.Owner.Id) + "')";

    /// <summary>Resolves {folder}: well-known name, custom folder name or id; -1 with the error otherwise.</summary>
    static int Folder(RouteContext ctx, out ApiResponse? error)
    {
        error = null;
        if (!ctx.Params.TryGetValue("folder", out var f)) return -1;
        var idx = ctx.Mailbox!.ResolveFolder(f);
        if (idx >= 0) return idx;
        error = ItemIds.TryDecode(f, out var kind, out _, out _, out _) && kind == ItemIdKind.Folder ? ItemNotFound(ctx) : Malformed(ctx);
        return -2;
    }

    static readonly System.Text.RegularExpressions.Regex MessageClassExpand = new(
        @"^\s*singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*id\s+eq\s+'String 0x0*1A'\s*\)\s*$",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static ApiResponse ListMessages(RouteContext ctx)
    {
        var folder = Folder(ctx, out var ferr);
        if (ferr is not null) return ferr;
        var q = QueryOptions.Parse(ctx, 10, 1000, ["$top", "$skip", "$select", "$filter", "$orderby", "$count", "$expand"], out var error);
        if (error is not null) return error;
        var withClass = false;
        if (ctx.Request.Query.GetValueOrDefault("$expand") is { } expand)
        {
            // The one expansion remediation uses: the message class, to tell mail from Teams chat items.
            if (!MessageClassExpand.IsMatch(expand))
                return ctx.Error(400, "BadRequest", $"Parsing OData Select and Expand failed: '{expand}' is not supported by the simulator (only singleValueExtendedProperties($filter=id eq 'String 0x001A')).");
            withClass = true;
        }

        FilterEvaluator<SimMessage>? eval = null;
        if (q.Filter is not null)
        {
            try
            {
                eval = new FilterEvaluator<SimMessage>(q.Filter, FilterableFor(ctx.State), "microsoft.graph.message", MessageJson.Properties);
            }
            catch (FilterSyntaxException e)
            {
                return ctx.Error(400, e.Code, e.Message);
            }
        }
        var descending = true;
        if (q.OrderBy is not null)
        {
            var parts = q.OrderBy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 1 or > 2 || (parts.Length == 2 && parts[1] is not ("asc" or "desc")))
            {
                return ctx.Error(400, "BadRequest", $"Invalid $orderby clause: '{q.OrderBy}'.");
            }
            if (!string.Equals(parts[0], "receivedDateTime", StringComparison.OrdinalIgnoreCase))
            {
                return MessageJson.Properties.Contains(parts[0])
                    ? ctx.Error(400, "ErrorInvalidUrlQuery", $"Sorting by '{parts[0]}' is not supported by the simulator.")
                    : ctx.Error(400, "BadRequest", $"Could not find a property named '{parts[0]}' on type 'microsoft.graph.message'.");
            }
            descending = parts.Length == 1 ? false : parts[1] == "desc";
            // Outlook: with $filter, the $orderby properties must lead the $filter in the same order.
            if (q.Filter is not null)
            {
                var props = ODataFilterParser.PropertiesInOrder(q.Filter);
                if (props.Count == 0 || !string.Equals(props[0], parts[0], StringComparison.OrdinalIgnoreCase))
                {
                    return ctx.Error(400, "InefficientFilter", "The restriction or sort order is too complex for this operation.");
                }
            }
        }
        if (q.Select is not null && q.Select.FirstOrDefault(s => !MessageJson.Properties.Contains(s)) is { } bad)
        {
            return ctx.Error(400, "BadRequest", $"Could not find a property named '{bad}' on type 'microsoft.graph.message'.");
        }

        var mbx = ctx.Mailbox!;
        var immutable = ctx.Request.WantsImmutableIds;
        var page = new JsonArray();
        int total;
        lock (mbx.Gate)
        {
            IEnumerable<SimMessage> items = mbx.Messages.Where(m => !m.Purged);
            items = folder >= 0
                ? items.Where(m => m.FolderIndex == folder)
                // /messages spans the IPM subtree only: Recoverable Items and other hidden folders are not in it.
                : items.Where(m => m.FolderIndex >= WellKnownFolders.All.Count || !WellKnownFolders.All[m.FolderIndex].Hidden);
            if (eval is not null) items = items.Where(eval.Matches);
            var list = descending
                ? items.OrderByDescending(m => m.ReceivedTicks).ThenByDescending(m => m.Seq).ToList()
                : items.OrderBy(m => m.ReceivedTicks).ThenBy(m => m.Seq).ToList();
            total = list.Count;
            foreach (var m in list.Skip(q.Skip).Take(q.Top))
            {
                var json = JsonSelect.Apply(MessageJson.Build(mbx, m, immutable), q.Select);
                // Graph names the property by its canonical id form.
                if (withClass) json["singleValueExtendedProperties"] = new JsonArray(new JsonObject { ["id"] = "String 0x1a", ["value"] = m.ItemClass });
                page.Add(json);
            }
        }
        var ctxSuffix = folder >= 0 ? $"/mailFolders('{ctx.Params["folder"]}')/messages" : "/messages";
        var body = new JsonObject
        {
            ["@odata.context"] = ContextBase(ctx) + ctxSuffix + (q.Select is null ? "" : "(" + string.Join(',', q.Select) + ")"),
        };
        if (q.Count) body["@odata.count"] = total;
        body["value"] = page;
        if (q.Skip + q.Top < total) body["@odata.nextLink"] = QueryOptions.NextLink(ctx, q.Skip + q.Top, useSkipToken: false);
        var r = ApiResponse.Json(200, body);
        MarkImmutable(ctx, r);
        return r;
    }

    /// <summary>Finds {id} in the mailbox (REST or immutable id); REST ids of moved items no longer resolve.</summary>
    static SimMessage? Find(RouteContext ctx, out ApiResponse? error)
    {
        error = null;
        var id = ctx.Params["id"];
        var mbx = ctx.Mailbox!;
        if (!ItemIds.TryDecode(id, out var kind, out var mIdx, out var seq, out var version) || kind == ItemIdKind.Folder)
        {
            error = Malformed(ctx);
            return null;
        }
        if (mIdx != mbx.Index || seq < 0 || seq >= mbx.Messages.Count)
        {
            error = ItemNotFound(ctx);
            return null;
        }
        var msg = mbx.Messages[seq];
        if (msg.Purged || (kind == ItemIdKind.RestMessage && msg.Version != version))
        {
            error = ItemNotFound(ctx);
            return null;
        }
        var folder = Folder(ctx, out var ferr);
        if (ferr is not null)
        {
            error = ferr;
            return null;
        }
        if (folder >= 0 && msg.FolderIndex != folder)
        {
            error = ItemNotFound(ctx);
            return null;
        }
        return msg;
    }

    public static ApiResponse GetMessage(RouteContext ctx)
    {
        var q = QueryOptions.Parse(ctx, 1, 1, ["$select"], out var error);
        if (error is not null) return error;
        if (q.Select is not null && q.Select.FirstOrDefault(s => !MessageJson.Properties.Contains(s)) is { } bad)
        {
            return ctx.Error(400, "BadRequest", $"Could not find a property named '{bad}' on type 'microsoft.graph.message'.");
        }
        var mbx = ctx.Mailbox!;
        JsonObject json;
        lock (mbx.Gate)
        {
            var msg = Find(ctx, out var err);
            if (msg is null) return err!;
            json = JsonSelect.Apply(MessageJson.Build(mbx, msg, ctx.Request.WantsImmutableIds), q.Select);
        }
        var body = new JsonObject { ["@odata.context"] = ContextBase(ctx) + "/messages/$entity" };
        foreach (var (k, v) in json) body[k] = v?.DeepClone();
        var r = ApiResponse.Json(200, body);
        MarkImmutable(ctx, r);
        return r;
    }

    public static ApiResponse Move(RouteContext ctx)
    {
        var payload = ctx.Request.ParseBody() as JsonObject;
        if (payload is null) return ctx.Error(400, "BadRequest", "Empty Payload. JSON content expected.");
        // The .NET SDK sends "DestinationId"; JSON property names are matched case-insensitively (as Graph does).
        var dest = payload["destinationId"]?.GetValue<string>();
        if (string.IsNullOrEmpty(dest)) return ctx.Error(400, "ErrorInvalidParameter", "The value of the parameter 'DestinationId' is empty.");
        var mbx = ctx.Mailbox!;
        JsonObject json;
        lock (mbx.Gate)
        {
            var msg = Find(ctx, out var err);
            if (msg is null) return err!;
            var target = mbx.ResolveFolder(dest);
            if (target < 0)
            {
                return ItemIds.TryDecode(dest, out var kind, out _, out _, out _) && kind == ItemIdKind.Folder ? ItemNotFound(ctx) : Malformed(ctx);
            }
            // Exchange copies the item to the target and deletes the original: new REST id, same immutable id.
            msg.FolderIndex = target;
            msg.Version++;
            msg.TimesMoved++;
            msg.LastModifiedTicks = ctx.Clock.GetUtcNow().UtcTicks;
            json = MessageJson.Build(mbx, msg, ctx.Request.WantsImmutableIds);
        }
        var body = new JsonObject
        {
            ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#message",
            ["@odata.type"] = "#microsoft.graph.message",
        };
        foreach (var (k, v) in json) body[k] = v?.DeepClone();
        var r = ApiResponse.Json(201, body);
        MarkImmutable(ctx, r);
        return r;
    }

    public static ApiResponse Delete(RouteContext ctx)
    {
        var mbx = ctx.Mailbox!;
        lock (mbx.Gate)
        {
            var msg = Find(ctx, out var err);
            if (msg is null) return err!;
            msg.FolderIndex = WellKnownFolders.DeletedItems;
            msg.Version++;
            msg.TimesMoved++;
            msg.LastModifiedTicks = ctx.Clock.GetUtcNow().UtcTicks;
        }
        return ApiResponse.Empty(204);
    }

    public static ApiResponse PermanentDelete(RouteContext ctx)
    {
        var mbx = ctx.Mailbox!;
        lock (mbx.Gate)
        {
            var msg = Find(ctx, out var err);
            if (msg is null) return err!;
            msg.FolderIndex = WellKnownFolders.Purges;
            msg.Purged = true;
            msg.Version++;
        }
        return ApiResponse.Empty(204);
    }

    public static ApiResponse ListFolders(RouteContext ctx)
    {
        var mbx = ctx.Mailbox!;
        var value = new JsonArray();
        lock (mbx.Gate)
        {
            for (var i = 0; i < mbx.FolderCount; i++)
            {
                if (mbx.FolderParent(i) == WellKnownFolders.Root && i != WellKnownFolders.Root) value.Add(MessageJson.Folder(mbx, i));
            }
        }
        return ApiResponse.Json(200, new JsonObject { ["@odata.context"] = ContextBase(ctx) + "/mailFolders", ["value"] = value });
    }

    public static ApiResponse GetFolder(RouteContext ctx)
    {
        var folder = Folder(ctx, out var err);
        if (err is not null) return err;
        var mbx = ctx.Mailbox!;
        JsonObject json;
        lock (mbx.Gate) json = MessageJson.Folder(mbx, folder);
        var body = new JsonObject { ["@odata.context"] = ContextBase(ctx) + "/mailFolders/$entity" };
        foreach (var (k, v) in json) body[k] = v?.DeepClone();
        return ApiResponse.Json(200, body);
    }
}
