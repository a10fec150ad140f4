using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.Graph;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Exchange;

/// <summary>
/// POST /adminapi/{beta|v1.0}/{tenant}/InvokeCommand with {"CmdletInput":{"CmdletName","Parameters"}}, answering
/// {"@odata.context","adminapi.warnings@odata.type","@adminapi.warnings","value"} like Exchange Online's REST cmdlets.
/// Pages with Prefer: odata.maxpagesize and @odata.nextLink (clients POST the same body to the nextLink); each link
/// is valid once and for a limited time (<see cref="ExchangePageLinks"/>).
/// </summary>
public static class InvokeCommandHandler
{
    public static readonly string[] Permissions = ["Exchange.ManageAsApp", "Exchange.Manage"];

    /// <summary>The type of a request for a path the service does not serve (an unknown version or tenant); the only 404s.</summary>
    const string RouteNotFound = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException";

    // Users: the Defender portal's TABL roles (Global Administrator, Security Administrator, Security Operator; DD
    // tenant-allow-block-list-urls-configure.md) and Exchange Administrator (Organization Management holds the
    // Tenant AllowBlockList Manager role). Apps: Microsoft's app-only Exchange roles are only those of
    // AppOnlyRoles, and of them only Exchange Administrator and Global Administrator cover "security and protection
    // features" — "the Security Administrator role does not have the necessary permissions" (office-docs-powershell
    // app-only-auth-powershell-v2.md, step 5). So an app with Security Administrator may read the list but not change it.
    static readonly string[] TablWriteRoles =
        [DirectoryRoles.GlobalAdministrator, DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityOperator, DirectoryRoles.ExchangeAdministrator];
    static readonly string[] TablWriteAppRoles = [DirectoryRoles.GlobalAdministrator, DirectoryRoles.ExchangeAdministrator];

    /// <summary>The Entra roles Exchange Online honours for an application (app-only-auth-powershell-v2.md, step 5); any other role of an app counts for nothing.</summary>
    static readonly string[] AppOnlyRoles =
    [
        DirectoryRoles.ComplianceAdministrator, DirectoryRoles.ExchangeAdministrator, DirectoryRoles.ExchangeRecipientAdministrator,
        DirectoryRoles.GlobalAdministrator, DirectoryRoles.GlobalReader, DirectoryRoles.HelpdeskAdministrator,
        DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityReader,
    ];
    static readonly string[] TablReadRoles = [.. TablWriteRoles, DirectoryRoles.SecurityReader, DirectoryRoles.GlobalReader];
    static readonly string[] RecipientWriteRoles = [DirectoryRoles.GlobalAdministrator, DirectoryRoles.ExchangeAdministrator, DirectoryRoles.ExchangeRecipientAdministrator];
    static readonly string[] RecipientReadRoles =
    [
        .. RecipientWriteRoles, DirectoryRoles.GlobalReader, DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityReader,
        DirectoryRoles.ComplianceAdministrator, DirectoryRoles.HelpdeskAdministrator,
    ];

    static readonly string[] TraceRoles =
    [
        DirectoryRoles.GlobalAdministrator, DirectoryRoles.ExchangeAdministrator, DirectoryRoles.GlobalReader, DirectoryRoles.SecurityAdministrator,
        DirectoryRoles.SecurityReader, DirectoryRoles.ComplianceAdministrator,
    ];

    /// <summary>A cmdlet: who may run it, the parameter names it binds (others are refused, as live), and what it does.</summary>
    sealed record Cmdlet(string[] Roles, string[] Parameters, Func<RouteContext, CmdletParameters, CmdletResult> Run)
    {
        /// <summary>The roles that allow an application to run it, when they differ from a user's (always within <see cref="AppOnlyRoles"/>).</summary>
        public string[]? AppRoles { get; init; }

        public bool Allows(Identity.AccessPrincipal p) => p.IsApp
            ? p.HasAnyRole((AppRoles ?? Roles).Intersect(AppOnlyRoles))
            : p.HasAnyRole(Roles);
    }

    // Parameter names from the cmdlets' reference pages (office-docs-powershell, exchange/exchange-ps/exchange/<Cmdlet>.md),
    // limited for Get-/Set-Mailbox to the ones the simulator models: an unmodelled one is refused rather than ignored.
    static readonly string[] TablGetParameters = ["ListType", "Entry", "Allow", "Block", "ExpirationDate", "NoExpiration", "ListSubType", "OutputJson"];
    static readonly string[] TablNewParameters = ["ListType", "Entries", "Allow", "Block", "Action", "ExpirationDate", "NoExpiration", "Notes", "ListSubType", "OutputJson", "RemoveAfter", "SubmissionID", "LogExtraDetails"];
    static readonly string[] TablSetParameters = ["ListType", "Ids", "Entries", "Allow", "Block", "ExpirationDate", "NoExpiration", "Notes", "ListSubType", "OutputJson", "RemoveAfter"];
    static readonly string[] TablRemoveParameters = ["ListType", "Ids", "Entries", "ListSubType", "OutputJson"];
    static readonly string[] InboxRuleChangeParameters = ["Identity", "Mailbox", "AlwaysDeleteOutlookRulesBlob", "Force", "Confirm"];

    static readonly Dictionary<string, Cmdlet> Cmdlets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["New-TenantAllowBlockListItems"] = new(TablWriteRoles, TablNewParameters, TablCmdlets.New) { AppRoles = TablWriteAppRoles },
        ["Get-TenantAllowBlockListItems"] = new(TablReadRoles, TablGetParameters, TablCmdlets.Get),
        ["Remove-TenantAllowBlockListItems"] = new(TablWriteRoles, TablRemoveParameters, TablCmdlets.Remove) { AppRoles = TablWriteAppRoles },
        ["Set-TenantAllowBlockListItems"] = new(TablWriteRoles, TablSetParameters, TablCmdlets.Set) { AppRoles = TablWriteAppRoles },
        ["Get-Mailbox"] = new(RecipientReadRoles, ["Identity", "ResultSize", "Filter", "RecipientTypeDetails", "Anr"], MailboxCmdlets.GetMailbox),
        ["Set-Mailbox"] = new(RecipientWriteRoles, ["Identity", "ForwardingSmtpAddress", "ForwardingAddress", "DeliverToMailboxAndForward", "Confirm", "Force"], MailboxCmdlets.SetMailbox),
        // Get-InboxRule fails for Global Reader and View-Only Organization Management (ODP Get-InboxRule.md).
        ["Get-InboxRule"] = new(RecipientWriteRoles, ["Mailbox", "Identity", "IncludeHidden", "BypassScopeCheck", "DescriptionTimeFormat", "DescriptionTimeZone", "SweepRules"], MailboxCmdlets.GetInboxRule),
        ["Disable-InboxRule"] = new(RecipientWriteRoles, InboxRuleChangeParameters, (c, p) => MailboxCmdlets.ChangeInboxRule(c, p, remove: false)),
        ["Remove-InboxRule"] = new(RecipientWriteRoles, InboxRuleChangeParameters, (c, p) => MailboxCmdlets.ChangeInboxRule(c, p, remove: true)),
        ["Get-AcceptedDomain"] = new(RecipientReadRoles, ["Identity", "ResultSize"], MailboxCmdlets.GetAcceptedDomain),
        // The Message Tracking role: Organization Management, View-Only Organization Management, Compliance and Security
        // role groups (Get-MessageTraceV2.md); as Entra roles, those below.
        ["Get-MessageTraceV2"] = new(TraceRoles, MessageTraceCmdlets.Parameters, MessageTraceCmdlets.GetV2),
    };

    static (string? Name, CmdletParameters Parameters) ReadBody(RouteContext ctx)
    {
        var body = ctx.Request.ParseBody() as JsonObject;
        var input = body?["CmdletInput"] as JsonObject;
        return ((string?)input?["CmdletName"], new CmdletParameters(input?["Parameters"] as JsonObject));
    }

    /// <summary>Mailbox keys a 429 storm can target: X-AnchorMailbox (UPN:x) and the Identity/Mailbox parameter.</summary>
    public static IEnumerable<string> StormKeys(RouteContext ctx)
    {
        if (ctx.Request.Header("X-AnchorMailbox") is { } anchor)
        {
            var colon = anchor.IndexOf(':', StringComparison.Ordinal);
            yield return colon >= 0 ? anchor[(colon + 1)..] : anchor;
        }
        var (_, p) = SafeRead(ctx);
        foreach (var name in new[] { "Identity", "Mailbox" })
        {
            if (p?.String(name) is { } v)
            {
                yield return v;
                if (ExchangeRecipients.Resolve(ctx.State, v) is { } u) yield return u.UserPrincipalName;
            }
        }
    }

    static (string?, CmdletParameters?) SafeRead(RouteContext ctx)
    {
        try
        {
            return ReadBody(ctx);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>?$select=A,B keeps only those properties (clients such as CIPP append it to InvokeCommand).</summary>
    static JsonObject Select(JsonObject value, string? select)
    {
        if (string.IsNullOrWhiteSpace(select)) return value;
        var names = select.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var o = new JsonObject();
        foreach (var (k, v) in value)
        {
            if (names.Contains(k, StringComparer.OrdinalIgnoreCase)) o[k] = v?.DeepClone();
        }
        return o;
    }

    public static ApiResponse Handle(RouteContext ctx)
    {
        var version = ctx.Params["version"];
        var tenant = ctx.Params["tenant"];
        if (version is not ("beta" or "v1.0")) return ExchangeErrors.Create(404, RouteNotFound, $"The API version '{version}' is not supported.");
        if (!string.Equals(tenant, ctx.State.TenantId, StringComparison.OrdinalIgnoreCase) && !ctx.State.Domains.Any(d => string.Equals(d.Id, tenant, StringComparison.OrdinalIgnoreCase)))
        {
            return ExchangeErrors.Create(404, RouteNotFound, $"Tenant '{tenant}' could not be found.");
        }
        var (name, parameters) = ReadBody(ctx);
        if (name is null) return ExchangeErrors.BadParameter("The request body must contain CmdletInput.CmdletName.");
        if (!Cmdlets.TryGetValue(name, out var cmdlet))
        {
            return ExchangeErrors.CommandNotFound(name);
        }
        if (!cmdlet.Allows(ctx.Principal))
        {
            return ctx.Sim.Faults.Settings.ExchangeForbiddenNulBody ? ExchangeErrors.ForbiddenNulBody() : ExchangeErrors.Forbidden();
        }
        // Live, a parameter the cmdlet does not have fails binding (AmbiguousParameterSetException, "Invalid cmdlet
        // parameters specified. <Name>", graph2otel); nothing runs.
        var unknown = parameters.Names.Where(n => !cmdlet.Parameters.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0) return ExchangeErrors.UnknownParameter(unknown);

        // A continuation is checked before the cmdlet runs: a refused link must not run anything again.
        var caller = ExchangePageLinks.CallerOf(ctx.Principal);
        var skip = 0;
        if (ctx.Request.Query.TryGetValue("$skiptoken", out var token))
        {
            if (ctx.Sim.ExchangePages.Redeem(token, caller, name) is not { } offset)
            {
                Interlocked.Increment(ref ctx.Sim.Stats.ExchangePagingRefused);
                return ExchangeErrors.PaginationExpired();
            }
            skip = offset;
        }

        var result = cmdlet.Run(ctx, parameters);
        if (result.Error is not null) return result.Error;

        var pageSize = 1000;
        if (ctx.Request.Header("Prefer") is { } prefer)
        {
            foreach (var part in prefer.Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.StartsWith("odata.maxpagesize=", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(part["odata.maxpagesize=".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                {
                    pageSize = Math.Clamp(n, 1, 1000);
                }
            }
        }
        var root = $"{ctx.Request.ServiceRoot}/{version}/{tenant}";
        var body = new JsonObject
        {
            ["@odata.context"] = root + "/$metadata#Collection(Exchange.GenericHashTable)",
            ["adminapi.warnings@odata.type"] = "#Collection(String)",
            ["@adminapi.warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode)w)]),
            ["value"] = result.Text is { } text
                ? new JsonArray(JsonValue.Create(text))
                : new JsonArray([.. result.Values.Skip(skip).Take(pageSize).Select(v => (JsonNode)Select(v, ctx.Request.Query.GetValueOrDefault("$select")))]),
        };
        if (skip + pageSize < result.Values.Count)
        {
            var lifetime = TimeSpan.FromSeconds(ctx.Sim.Limits.ExchangeNextLinkLifetimeSeconds);
            var next = ctx.Sim.ExchangePages.Issue(skip + pageSize, caller, name, lifetime);
            body["@odata.nextLink"] = root + "/InvokeCommand?%24skiptoken=" + Uri.EscapeDataString(next);
        }
        return ApiResponse.Json(200, body);
    }
}
