using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Exchange;

/// <summary>New/Get/Remove-TenantAllowBlockListItems for URLs, with Microsoft's syntax rules and per-licence limits.</summary>
public static class TablCmdlets
{
    static int BlockLimit(string license) => license switch { "EOP" => 500, "P1" => 1000, _ => 10_000 };

    static string Iso(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Json(TablEntry e) => new()
    {
        ["Identity"] = e.Identity,
        ["Value"] = e.Value,
        ["Action"] = e.Action,
        ["ListType"] = e.ListType,
        ["ListSubType"] = "Tenant",
        ["Notes"] = e.Notes,
        ["ExpirationDate"] = e.ExpirationDate is { } d ? Iso(d) : null,
        ["LastModifiedDateTime"] = Iso(e.LastModifiedDateTime),
        ["LastUsedDate"] = null,
        ["SubmissionID"] = "",
        ["SysManaged"] = false,
        ["EntryValueHash"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(e.Value.ToLowerInvariant()))),
        ["ObjectState"] = "Unchanged",
    };

    static bool Live(TablEntry e, DateTimeOffset now) => e.ExpirationDate is null || e.ExpirationDate > now;

    static ApiResponse? CheckListType(CmdletParameters p)
    {
        var listType = p.String("ListType");
        if (listType is null) return ExchangeErrors.BadParameter("Cannot process command because of one or more missing mandatory parameters: ListType.");
        if (!string.Equals(listType, "Url", StringComparison.OrdinalIgnoreCase))
        {
            return ExchangeErrors.Task($"ListType '{listType}' is not served by the simulator (only Url).");
        }
        return null;
    }

    public static CmdletResult New(RouteContext ctx, CmdletParameters p)
    {
        if (CheckListType(p) is { } bad) return CmdletResult.Fail(bad);
        var block = p.Switch("Block") || string.Equals(p.String("Action"), "Block", StringComparison.OrdinalIgnoreCase);
        var allow = p.Switch("Allow") || string.Equals(p.String("Action"), "Allow", StringComparison.OrdinalIgnoreCase);
        if (block == allow) return CmdletResult.Fail(ExchangeErrors.BadParameter("Parameter set cannot be resolved using the specified named parameters. Specify exactly one of -Block or -Allow."));
        if (allow) return CmdletResult.Fail(ExchangeErrors.Task("Allow entries for URLs can't be created here; they are created from submissions."));
        var entries = p.Strings("Entries");
        if (entries is null || entries.Count == 0) return CmdletResult.Fail(ExchangeErrors.BadParameter("Cannot process command because of one or more missing mandatory parameters: Entries."));
        var noExpiration = p.Switch("NoExpiration");
        var explicitDate = p.Has("ExpirationDate") ? p.Date("ExpirationDate") : null;
        if (p.Has("ExpirationDate") && explicitDate is null) return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot bind parameter 'ExpirationDate'. Cannot convert value \"{p.String("ExpirationDate")}\" to type \"System.DateTime\"."));
        if (noExpiration && explicitDate is not null) return CmdletResult.Fail(ExchangeErrors.BadParameter("Parameter set cannot be resolved using the specified named parameters."));
        var now = ctx.Clock.GetUtcNow();
        if (explicitDate is { } when && when <= now) return CmdletResult.Fail(ExchangeErrors.Task("The expiration date must be in the future."));
        var expiry = noExpiration ? (DateTimeOffset?)null : explicitDate ?? now.AddDays(30);
        var outputJson = p.Switch("OutputJson");

        var result = new CmdletResult();
        var errors = new List<(string Entry, string Reason)>();
        lock (ctx.State.TablGate)
        {
            var live = ctx.State.TablEntries.Where(e => Live(e, now)).ToList();
            var accepted = new List<string>();
            foreach (var entry in entries)
            {
                var why = TablUrlValidator.Validate(entry, block: true);
                if (why is null && live.Any(e => string.Equals(e.Value, entry, StringComparison.OrdinalIgnoreCase) && e.ListType == "Url"))
                {
                    why = "The entry already exists.";
                }
                if (why is null && accepted.Contains(entry, StringComparer.OrdinalIgnoreCase)) why = "The entry is duplicated in this request.";
                if (why is null) accepted.Add(entry);
                else errors.Add((entry, why));
            }
            if (errors.Count > 0 && !outputJson)
            {
                return CmdletResult.Fail(ExchangeErrors.Task(string.Join(" ", errors.Select(e => $"Entry '{e.Entry}' is invalid: {e.Reason}"))));
            }
            var limit = BlockLimit(ctx.State.License);
            var blocks = live.Count(e => e.ListType == "Url" && e.Action == "Block");
            if (blocks + accepted.Count > limit)
            {
                return CmdletResult.Fail(ExchangeErrors.Task(
                    $"The maximum number of URL block entries ({limit} for this license) would be exceeded: {blocks} exist, {accepted.Count} requested."));
            }
            foreach (var value in accepted)
            {
                var e = new TablEntry
                {
                    Identity = NewIdentity(),
                    ListType = "Url",
                    Value = value,
                    Action = "Block",
                    ExpirationDate = expiry,
                    Notes = p.String("Notes"),
                    CreatedDateTime = now,
                    LastModifiedDateTime = now,
                    CreatedBy = ctx.Principal.IsApp ? ctx.Principal.AppDisplayName : ctx.Principal.UserPrincipalName,
                };
                ctx.State.TablEntries.Add(e);
                var json = Json(e);
                json["ObjectState"] = "New";
                result.Values.Add(json);
            }
        }
        foreach (var (entry, reason) in errors)
        {
            result.Values.Add(new JsonObject { ["Value"] = entry, ["Error"] = reason, ["ObjectState"] = "Failed" });
        }
        if (outputJson)
        {
            // -OutputJson "returns all entries in one JSON value" (ODP New-TenantAllowBlockListItems.md); over REST that is one
            // string, not one object per entry (the stricter reading; docs/SIMULATOR.md, open questions).
            result.Text = new JsonArray([.. result.Values.Select(v => (JsonNode)v.DeepClone())]).ToJsonString();
            result.Values.Clear();
        }
        return result;
    }

    static int counter = 100_000;

    static string NewIdentity() => ScenarioLoader.TablIdentity(Interlocked.Increment(ref counter));

    public static CmdletResult Get(RouteContext ctx, CmdletParameters p)
    {
        if (CheckListType(p) is { } bad) return CmdletResult.Fail(bad);
        var entry = p.String("Entry");
        var block = p.Switch("Block");
        var allow = p.Switch("Allow");
        var noExpiration = p.Switch("NoExpiration");
        var now = ctx.Clock.GetUtcNow();
        var result = new CmdletResult();
        lock (ctx.State.TablGate)
        {
            foreach (var e in ctx.State.TablEntries)
            {
                if (e.ListType != "Url" || !Live(e, now)) continue;
                if (entry is not null && !string.Equals(e.Value, entry, StringComparison.OrdinalIgnoreCase)) continue;
                if (block && e.Action != "Block") continue;
                if (allow && e.Action != "Allow") continue;
                if (noExpiration && e.ExpirationDate is not null) continue;
                result.Values.Add(Json(e));
            }
        }
        if (entry is not null && result.Values.Count == 0)
        {
            return CmdletResult.Fail(ExchangeErrors.NotFound($"Entry '{entry}' couldn't be found."));
        }
        return result;
    }

    /// <summary>Set-TenantAllowBlockListItems: changes the expiration date and/or notes of existing entries (values can't be edited).</summary>
    public static CmdletResult Set(RouteContext ctx, CmdletParameters p)
    {
        if (CheckListType(p) is { } bad) return CmdletResult.Fail(bad);
        var entries = p.Strings("Entries");
        var ids = p.Strings("Ids");
        if ((entries is null) == (ids is null)) return CmdletResult.Fail(ExchangeErrors.BadParameter("Parameter set cannot be resolved using the specified named parameters. Specify -Entries or -Ids."));
        var noExpiration = p.Switch("NoExpiration");
        var date = p.Has("ExpirationDate") ? p.Date("ExpirationDate") : null;
        if (p.Has("ExpirationDate") && date is null) return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot bind parameter 'ExpirationDate'. Cannot convert value \"{p.String("ExpirationDate")}\" to type \"System.DateTime\"."));
        if (noExpiration && date is not null) return CmdletResult.Fail(ExchangeErrors.BadParameter("Parameter set cannot be resolved using the specified named parameters."));
        var now = ctx.Clock.GetUtcNow();
        if (date is { } d && d <= now) return CmdletResult.Fail(ExchangeErrors.Task("The expiration date must be in the future."));
        var wanted = entries ?? ids!;
        var result = new CmdletResult();
        lock (ctx.State.TablGate)
        {
            var hits = new List<TablEntry>();
            foreach (var w in wanted)
            {
                var hit = ctx.State.TablEntries.FirstOrDefault(e => e.ListType == "Url" && Live(e, now) && (entries is not null
                    ? string.Equals(e.Value, w, StringComparison.OrdinalIgnoreCase)
                    : string.Equals(e.Identity, w, StringComparison.Ordinal)));
                if (hit is null) return CmdletResult.Fail(ExchangeErrors.NotFound($"Entry '{w}' couldn't be found."));
                hits.Add(hit);
            }
            foreach (var hit in hits)
            {
                if (noExpiration) hit.ExpirationDate = null;
                else if (date is not null) hit.ExpirationDate = date;
                if (p.Has("Notes")) hit.Notes = p.String("Notes");
                hit.LastModifiedDateTime = now;
                result.Values.Add(Json(hit));
            }
        }
        return result;
    }

    public static CmdletResult Remove(RouteContext ctx, CmdletParameters p)
    {
        if (CheckListType(p) is { } bad) return CmdletResult.Fail(bad);
        var entries = p.Strings("Entries");
        var ids = p.Strings("Ids");
        if ((entries is null) == (ids is null)) return CmdletResult.Fail(ExchangeErrors.BadParameter("Parameter set cannot be resolved using the specified named parameters. Specify -Entries or -Ids."));
        var wanted = entries ?? ids!;
        var result = new CmdletResult();
        lock (ctx.State.TablGate)
        {
            var removed = 0;
            foreach (var w in wanted)
            {
                var hit = ctx.State.TablEntries.FirstOrDefault(e => e.ListType == "Url" && (entries is not null
                    ? string.Equals(e.Value, w, StringComparison.OrdinalIgnoreCase)
                    : string.Equals(e.Identity, w, StringComparison.Ordinal)));
                if (hit is null)
                {
                    result.Warnings.Add($"Entry '{w}' couldn't be found.");
                    continue;
                }
                ctx.State.TablEntries.Remove(hit);
                removed++;
            }
            if (removed == 0) return CmdletResult.Fail(ExchangeErrors.NotFound($"None of the entries couldn't be found: {string.Join(", ", wanted)}."));
        }
        return result;
    }
}
