using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Exchange;

/// <summary>Get-Mailbox, Set-Mailbox (forwarding), Get-InboxRule, Disable-/Remove-InboxRule, Get-AcceptedDomain.</summary>
public static class MailboxCmdlets
{
    static string Guid(string seed) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 16)).ToString();

    public static JsonObject MailboxJson(SimUser u)
    {
        var m = u.Mailbox!;
        return new JsonObject
        {
            ["Identity"] = ExchangeRecipients.Alias(u),
            ["Name"] = ExchangeRecipients.Alias(u),
            ["Alias"] = ExchangeRecipients.Alias(u),
            ["DisplayName"] = u.DisplayName,
            ["UserPrincipalName"] = u.UserPrincipalName,
            ["PrimarySmtpAddress"] = u.Mail,
            ["EmailAddresses"] = new JsonArray("SMTP:" + u.Mail),
            ["ExternalDirectoryObjectId"] = u.Id,
            ["Guid"] = Guid("mbx:" + u.Id),
            ["ExchangeGuid"] = Guid("exo:" + u.Id),
            ["RecipientType"] = "UserMailbox",
            ["RecipientTypeDetails"] = "UserMailbox",
            ["IsMailboxEnabled"] = true,
            ["ForwardingSmtpAddress"] = m.ForwardingSmtpAddress,
            ["ForwardingAddress"] = m.ForwardingAddress,
            ["DeliverToMailboxAndForward"] = m.DeliverToMailboxAndForward,
        };
    }

    static (SimUser? User, ApiResponse? Error) Mailbox(RouteContext ctx, string? identity, string parameter)
    {
        if (identity is null) return (null, ExchangeErrors.BadParameter($"Cannot process command because of one or more missing mandatory parameters: {parameter}."));
        var u = ExchangeRecipients.Resolve(ctx.State, identity);
        if (u?.Mailbox is null) return (null, ExchangeErrors.NotFound(ExchangeRecipients.NotFoundMessage(identity)));
        return (u, null);
    }

    public static CmdletResult GetMailbox(RouteContext ctx, CmdletParameters p)
    {
        var result = new CmdletResult();
        if (p.String("Identity") is { } identity)
        {
            var (u, err) = Mailbox(ctx, identity, "Identity");
            if (err is not null) return CmdletResult.Fail(err);
            lock (u!.Mailbox!.Gate) result.Values.Add(MailboxJson(u));
            return result;
        }
        foreach (var u in ctx.State.Users.Where(u => u.Mailbox is not null))
        {
            lock (u.Mailbox!.Gate) result.Values.Add(MailboxJson(u));
        }
        return result;
    }

    public static CmdletResult SetMailbox(RouteContext ctx, CmdletParameters p)
    {
        var (u, err) = Mailbox(ctx, p.String("Identity"), "Identity");
        if (err is not null) return CmdletResult.Fail(err);
        var m = u!.Mailbox!;
        string? smtp = null, address = null;
        var setSmtp = p.Has("ForwardingSmtpAddress");
        var setAddress = p.Has("ForwardingAddress");
        if (setSmtp && p.String("ForwardingSmtpAddress") is { Length: > 0 } s)
        {
            var bare = s.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase) ? s[5..] : s;
            if (!bare.Contains('@', StringComparison.Ordinal) || bare.StartsWith('@') || bare.EndsWith('@'))
            {
                return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot bind parameter 'ForwardingSmtpAddress'. Cannot convert value \"{s}\" to type \"Microsoft.Exchange.Data.ProxyAddress\". The address '{s}' is invalid."));
            }
            smtp = "smtp:" + bare;
        }
        if (setAddress && p.String("ForwardingAddress") is { Length: > 0 } a)
        {
            var target = ExchangeRecipients.Resolve(ctx.State, a);
            if (target is null)
            {
                return CmdletResult.Fail(ExchangeErrors.NotFound($"Couldn't find object \"{a}\". Please make sure that it was spelled correctly or specify a different object."));
            }
            address = ExchangeRecipients.Alias(target);
        }
        var deliver = p.Bool("DeliverToMailboxAndForward");
        var result = new CmdletResult();
        lock (m.Gate)
        {
            var changed = false;
            if (setSmtp && m.ForwardingSmtpAddress != smtp) { m.ForwardingSmtpAddress = smtp; changed = true; }
            if (setAddress && m.ForwardingAddress != address) { m.ForwardingAddress = address; changed = true; }
            if (deliver is { } d && m.DeliverToMailboxAndForward != d) { m.DeliverToMailboxAndForward = d; changed = true; }
            if (!changed) result.Warnings.Add($"The command completed successfully but no settings of '{ExchangeRecipients.Alias(u)}' have been modified.");
        }
        return result;
    }

    static JsonObject RuleJson(SimUser owner, JsonObject r)
    {
        static JsonArray? Recipients(JsonNode? n) => n is JsonArray a && a.Count > 0
            ? new JsonArray([.. a.OfType<JsonObject>().Select(x => (JsonNode)$"\"{(string?)x["emailAddress"]?["name"]}\" [SMTP:{(string?)x["emailAddress"]?["address"]}]")])
            : null;
        var actions = r["actions"] as JsonObject ?? [];
        var idBytes = Convert.FromBase64String((string)r["id"]!);
        var ruleIdentity = idBytes.Length == 8 ? BitConverter.ToUInt64(idBytes).ToString(System.Globalization.CultureInfo.InvariantCulture) : (string)r["id"]!;
        return new JsonObject
        {
            ["Identity"] = $"{ExchangeRecipients.Alias(owner)}\\{ruleIdentity}",
            ["RuleIdentity"] = ruleIdentity,
            ["Name"] = (string?)r["displayName"],
            ["Enabled"] = (bool?)r["isEnabled"] ?? true,
            ["Priority"] = (int?)r["sequence"] ?? 1,
            ["InError"] = (bool?)r["hasError"] ?? false,
            ["ForwardTo"] = Recipients(actions["forwardTo"]),
            ["ForwardAsAttachmentTo"] = Recipients(actions["forwardAsAttachmentTo"]),
            ["RedirectTo"] = Recipients(actions["redirectTo"]),
            ["DeleteMessage"] = (bool?)actions["delete"] ?? false,
            ["MoveToFolder"] = (string?)actions["moveToFolder"],
            ["StopProcessingRules"] = (bool?)actions["stopProcessingRules"] ?? false,
            ["MailboxOwnerId"] = ExchangeRecipients.Alias(owner),
            ["SupportedByTask"] = (bool?)r["isReadOnly"] != true,
        };
    }

    public static CmdletResult GetInboxRule(RouteContext ctx, CmdletParameters p)
    {
        var (u, err) = Mailbox(ctx, p.String("Mailbox") ?? (ctx.Principal.IsApp ? null : ctx.Principal.UserPrincipalName), "Mailbox");
        if (err is not null) return CmdletResult.Fail(err);
        var result = new CmdletResult();
        var identity = p.String("Identity");
        lock (u!.Mailbox!.Gate)
        {
            foreach (var r in u.Mailbox.Rules.OrderBy(r => (int?)r["sequence"] ?? 0))
            {
                var json = RuleJson(u, r);
                if (identity is not null && !Matches(json, identity)) continue;
                result.Values.Add(json);
            }
        }
        if (identity is not null && result.Values.Count == 0) return CmdletResult.Fail(ExchangeErrors.NotFound(ExchangeRecipients.NotFoundMessage(identity)));
        return result;
    }

    static bool Matches(JsonObject ruleJson, string identity) =>
        string.Equals((string?)ruleJson["Name"], identity, StringComparison.OrdinalIgnoreCase)
        || string.Equals((string?)ruleJson["RuleIdentity"], identity, StringComparison.Ordinal)
        || string.Equals((string?)ruleJson["Identity"], identity, StringComparison.OrdinalIgnoreCase)
        || identity.EndsWith("\\" + (string?)ruleJson["RuleIdentity"], StringComparison.Ordinal);

    public static CmdletResult ChangeInboxRule(RouteContext ctx, CmdletParameters p, bool remove)
    {
        var identity = p.String("Identity");
        if (identity is null) return CmdletResult.Fail(ExchangeErrors.BadParameter("Cannot process command because of one or more missing mandatory parameters: Identity."));
        var mailbox = p.String("Mailbox") ?? (identity.Contains('\\', StringComparison.Ordinal) ? identity.Split('\\')[0] : null);
        var (u, err) = Mailbox(ctx, mailbox ?? (ctx.Principal.IsApp ? null : ctx.Principal.UserPrincipalName), "Mailbox");
        if (err is not null) return CmdletResult.Fail(err);
        lock (u!.Mailbox!.Gate)
        {
            var rule = u.Mailbox.Rules.FirstOrDefault(r => Matches(RuleJson(u, r), identity));
            if (rule is null) return CmdletResult.Fail(ExchangeErrors.NotFound(ExchangeRecipients.NotFoundMessage(identity)));
            if (remove) u.Mailbox.Rules.Remove(rule);
            else rule["isEnabled"] = false;
        }
        return new CmdletResult();
    }

    public static CmdletResult GetAcceptedDomain(RouteContext ctx, CmdletParameters p)
    {
        _ = p;
        var result = new CmdletResult();
        foreach (var d in ctx.State.Domains.Where(d => d.Accepted))
        {
            result.Values.Add(new JsonObject
            {
                ["Identity"] = d.Id,
                ["Name"] = d.Id,
                ["DomainName"] = d.Id,
                ["DomainType"] = "Authoritative",
                ["Default"] = d.IsDefault,
                ["InitialDomain"] = d.IsInitial,
            });
        }
        return result;
    }
}
