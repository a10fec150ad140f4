using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Graph;

/// <summary>/users, /me, /organization, memberships and /domains as Entra's directory answers them.</summary>
public static class DirectoryHandlers
{
    public static readonly string[] UserRead = ["User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"];
    public static readonly string[] DomainRead = ["Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    /// <summary>GET /organization: delegated User.Read (id, displayName, verifiedDomains only) or the Organization/Directory
    /// reads; application Organization.Read.All or wider (GDC api-reference/v1.0/api/organization-get.md).</summary>
    public static readonly string[] OrganizationRead = ["User.Read", "Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    /// <summary>Properties of /organization a User.Read-only caller may see; the rest are null (same page).</summary>
    static readonly HashSet<string> OrganizationBasic = new(StringComparer.Ordinal) { "id", "displayName", "verifiedDomains" };

    /// <summary>GET /me/transitiveMemberOf: delegated User.Read and wider (GDC api-reference/v1.0/api/user-list-transitivememberof.md).</summary>
    public static readonly string[] MembershipRead = ["User.Read", "User.Read.All", "GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    /// <summary>What reads a directoryRole in full (List directoryRoles); with less, Graph lists a role with limited
    /// information: its id and roleTemplateId, displayName and description null (permissions-overview, "Limited information
    /// returned for inaccessible member objects"; observed for /me/memberOf in codelibs/fess-docs#499).</summary>
    static readonly string[] RoleRead = ["RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All", "Directory.ReadWrite.All"];

    static readonly Dictionary<string, string> RoleNames = new(StringComparer.OrdinalIgnoreCase)
    {
        [DirectoryRoles.GlobalAdministrator] = "Global Administrator",
        [DirectoryRoles.SecurityAdministrator] = "Security Administrator",
        [DirectoryRoles.SecurityOperator] = "Security Operator",
        [DirectoryRoles.SecurityReader] = "Security Reader",
        [DirectoryRoles.ExchangeAdministrator] = "Exchange Administrator",
        [DirectoryRoles.ExchangeRecipientAdministrator] = "Exchange Recipient Administrator",
        [DirectoryRoles.GlobalReader] = "Global Reader",
        [DirectoryRoles.ComplianceAdministrator] = "Compliance Administrator",
        [DirectoryRoles.HelpdeskAdministrator] = "Helpdesk Administrator",
    };

    static readonly Dictionary<string, FilterEvaluator<SimUser>.Property> UserFilter = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = new(FilterLiteralKind.String, u => u.Id),
        ["mail"] = new(FilterLiteralKind.String, u => u.Mail),
        ["userPrincipalName"] = new(FilterLiteralKind.String, u => u.UserPrincipalName),
        ["displayName"] = new(FilterLiteralKind.String, u => u.DisplayName),
        ["accountEnabled"] = new(FilterLiteralKind.Boolean, u => u.AccountEnabled),
    };

    /// <summary>Graph limits a directory filter using <c>in</c> to 15 expressions by default (filter-query-parameter page).</summary>
    public const int MaxDirectoryExpressions = 15;

    static readonly HashSet<string> UserKnown = new(StringComparer.OrdinalIgnoreCase) { "givenName", "surname", "jobTitle", "department", "proxyAddresses", "otherMails", "userType", "createdDateTime" };

    public static JsonObject UserJson(SimUser u)
    {
        var parts = u.DisplayName.Split(' ', 2);
        return new JsonObject
        {
            ["businessPhones"] = new JsonArray(),
            ["displayName"] = u.DisplayName,
            ["givenName"] = parts[0],
            ["jobTitle"] = u.JobTitle,
            ["mail"] = u.Mail,
            ["mobilePhone"] = null,
            ["officeLocation"] = null,
            ["preferredLanguage"] = "en-US",
            ["surname"] = parts.Length > 1 ? parts[1] : null,
            ["userPrincipalName"] = u.UserPrincipalName,
            ["id"] = u.Id,
        };
    }

    public static ApiResponse ListUsers(RouteContext ctx)
    {
        var q = QueryOptions.Parse(ctx, 100, 999, ["$top", "$skiptoken", "$select", "$filter", "$count"], out var error);
        if (error is not null) return error;
        IEnumerable<SimUser> users = ctx.State.Users;
        if (q.Filter is not null)
        {
            Interlocked.Increment(ref ctx.Sim.Stats.UserQueries);
            FilterEvaluator<SimUser> eval;
            try
            {
                eval = new FilterEvaluator<SimUser>(q.Filter, UserFilter, "microsoft.graph.user", UserKnown, MaxDirectoryExpressions);
            }
            catch (FilterSyntaxException e)
            {
                return ctx.Error(400, e.Code == "BadRequest" ? "Request_UnsupportedQuery" : "Request_UnsupportedQuery", e.Code == "BadRequest" ? e.Message : "Unsupported Query.");
            }
            users = users.Where(eval.Matches);
        }
        var all = users.ToList();
        var sample = UserJson(all.FirstOrDefault() ?? ctx.State.Users[0]);
        if (JsonSelect.Unknown(sample, q.Select) is { } bad) return ctx.Error(400, "Request_BadRequest", $"Could not find a property named '{bad}' on type 'microsoft.graph.user'.");
        var page = all.Skip(q.Skip).Take(q.Top).Select(u => (JsonNode)JsonSelect.Apply(UserJson(u), q.Select)).ToArray();
        var body = new JsonObject
        {
            ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#users" + (q.Select is null ? "" : "(" + string.Join(',', q.Select) + ")"),
        };
        if (q.Count) body["@odata.count"] = all.Count;
        if (q.Skip + q.Top < all.Count) body["@odata.nextLink"] = QueryOptions.NextLink(ctx, q.Skip + q.Top, useSkipToken: true);
        body["value"] = new JsonArray(page);
        return ApiResponse.Json(200, body);
    }

    public static ApiResponse GetUser(RouteContext ctx)
    {
        var key = ctx.Params.GetValueOrDefault("user");
        if (key is null && ctx.Principal.IsApp) return MeNeedsUser(ctx);
        var user = key is null ? ctx.State.FindUser(ctx.Principal.ObjectId) : ctx.State.FindUser(key);
        if (user is null)
        {
            return ctx.Error(404, "Request_ResourceNotFound", $"Resource '{key}' does not exist or one of its queried reference-property objects are not present.");
        }
        var q = QueryOptions.Parse(ctx, 1, 1, ["$select"], out var error);
        if (error is not null) return error;
        var full = UserJson(user);
        if (JsonSelect.Unknown(full, q.Select) is { } bad) return ctx.Error(400, "Request_BadRequest", $"Could not find a property named '{bad}' on type 'microsoft.graph.user'.");
        var o = JsonSelect.Apply(full, q.Select);
        var result = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#users/$entity" };
        foreach (var (k, v) in o) result[k] = v?.DeepClone();
        return ApiResponse.Json(200, result);
    }

    public static ApiResponse ListDomains(RouteContext ctx)
    {
        var value = new JsonArray();
        foreach (var d in ctx.State.Domains)
        {
            value.Add(new JsonObject
            {
                ["authenticationType"] = "Managed",
                ["availabilityStatus"] = null,
                ["id"] = d.Id,
                ["isAdminManaged"] = true,
                ["isDefault"] = d.IsDefault,
                ["isInitial"] = d.IsInitial,
                ["isRoot"] = true,
                ["isVerified"] = d.IsVerified,
                ["supportedServices"] = new JsonArray([.. d.SupportedServices.Select(s => (JsonNode)s)]),
                ["passwordNotificationWindowInDays"] = 14,
                ["passwordValidityPeriodInDays"] = 2147483647,
                ["state"] = null,
            });
        }
        return ApiResponse.Json(200, new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#domains", ["value"] = value });
    }

    /// <summary>GET /servicePrincipals/{id}: application Application.Read.All or wider (GDC api-reference/v1.0/api/serviceprincipal-get.md).</summary>
    public static readonly string[] ServicePrincipalRead = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    /// <summary>GET /servicePrincipals/{id} by object id (the key the module stores for an approving app).</summary>
    public static ApiResponse GetServicePrincipal(RouteContext ctx)
    {
        var key = ctx.Params.GetValueOrDefault("id");
        var app = ctx.State.Apps.Values.FirstOrDefault(a => string.Equals(a.ObjectId, key, StringComparison.OrdinalIgnoreCase));
        if (app is null)
            return ctx.Error(404, "Request_ResourceNotFound", $"Resource '{key}' does not exist or one of its queried reference-property objects are not present.");
        var q = QueryOptions.Parse(ctx, 1, 1, ["$select"], out var error);
        if (error is not null) return error;
        var full = new JsonObject
        {
            ["id"] = app.ObjectId,
            ["accountEnabled"] = true,
            ["appId"] = app.ClientId,
            ["appDisplayName"] = app.DisplayName,
            ["displayName"] = app.DisplayName,
            ["servicePrincipalType"] = "Application",
        };
        if (JsonSelect.Unknown(full, q.Select) is { } bad) return ctx.Error(400, "Request_BadRequest", $"Could not find a property named '{bad}' on type 'microsoft.graph.servicePrincipal'.");
        var result = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#servicePrincipals/$entity" };
        foreach (var (k, v) in JsonSelect.Apply(full, q.Select)) result[k] = v?.DeepClone();
        return ApiResponse.Json(200, result);
    }

    static ApiResponse MeNeedsUser(RouteContext ctx) =>
        ctx.Error(400, "BadRequest", "/me request is only valid with delegated authentication flow.");

    /// <summary>GET /organization (a collection of the one tenant) and GET /organization/{id}.</summary>
    public static ApiResponse GetOrganization(RouteContext ctx)
    {
        var q = QueryOptions.Parse(ctx, 1, 1, ["$select"], out var error);
        if (error is not null) return error;
        var key = ctx.Params.GetValueOrDefault("id");
        if (key is not null && !string.Equals(key, ctx.State.TenantId, StringComparison.OrdinalIgnoreCase))
            return ctx.Error(404, "Request_ResourceNotFound", $"Resource '{key}' does not exist or one of its queried reference-property objects are not present.");
        var full = OrganizationJson(ctx.State);
        if (JsonSelect.Unknown(full, q.Select) is { } bad) return ctx.Error(400, "Request_BadRequest", $"Could not find a property named '{bad}' on type 'microsoft.graph.organization'.");
        var p = ctx.Principal;
        var basicOnly = !p.IsApp && !p.HasAny(OrganizationRead.Where(x => x != "User.Read"));
        if (basicOnly)
        {
            foreach (var name in full.Select(kv => kv.Key).ToList())
                if (!OrganizationBasic.Contains(name)) full[name] = null;
        }
        var o = JsonSelect.Apply(full, q.Select);
        if (key is not null)
        {
            var single = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#organization/$entity" };
            foreach (var (k, v) in o) single[k] = v?.DeepClone();
            return ApiResponse.Json(200, single);
        }
        return ApiResponse.Json(200, new JsonObject
        {
            ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#organization" + (q.Select is null ? "" : "(" + string.Join(',', q.Select) + ")"),
            ["value"] = new JsonArray(o),
        });
    }

    static JsonObject OrganizationJson(TenantState state)
    {
        var domains = new JsonArray();
        foreach (var d in state.Domains.Where(d => d.IsVerified))
        {
            domains.Add(new JsonObject
            {
                ["capabilities"] = string.Join(", ", d.SupportedServices),
                ["isDefault"] = d.IsDefault,
                ["isInitial"] = d.IsInitial,
                ["name"] = d.Id,
                ["type"] = "Managed",
            });
        }
        return new JsonObject
        {
            ["id"] = state.TenantId,
            ["deletedDateTime"] = null,
            ["businessPhones"] = new JsonArray(),
            ["city"] = null,
            ["country"] = null,
            ["countryLetterCode"] = "US",
            ["createdDateTime"] = "2024-01-15T09:00:00Z",
            ["displayName"] = state.DisplayName,
            ["onPremisesSyncEnabled"] = null,
            ["preferredLanguage"] = "en",
            ["tenantType"] = "AAD",
            ["technicalNotificationMails"] = new JsonArray(),
            ["verifiedDomains"] = domains,
        };
    }

    /// <summary>
    /// GET /me/transitiveMemberOf (and /users/{user}/transitiveMemberOf): the directory roles the user holds, as
    /// directoryRole objects of this tenant. Scenario users belong to no groups, so roles are all there is.
    /// </summary>
    public static ApiResponse ListTransitiveMemberOf(RouteContext ctx)
    {
        var key = ctx.Params.GetValueOrDefault("user");
        var p = ctx.Principal;
        if (key is null && p.IsApp) return MeNeedsUser(ctx);
        var user = key is null ? ctx.State.FindUser(p.ObjectId) : ctx.State.FindUser(key);
        if (user is null)
            return ctx.Error(404, "Request_ResourceNotFound", $"Resource '{key ?? p.ObjectId}' does not exist or one of its queried reference-property objects are not present.");
        // Another user's memberships need more than User.Read (same page: User.Read.All or wider).
        if (!p.IsApp && !string.Equals(user.Id, p.ObjectId, StringComparison.OrdinalIgnoreCase) && !p.HasAny(MembershipRead.Where(x => x != "User.Read")))
            return ctx.Error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
        var q = QueryOptions.Parse(ctx, 100, 999, ["$top", "$skiptoken", "$select"], out var error);
        if (error is not null) return error;
        var full = p.IsApp || p.HasAny(RoleRead);
        var all = user.DirectoryRoleIds.Order(StringComparer.OrdinalIgnoreCase).Select(t => RoleJson(ctx.State, t, full)).ToList();
        var page = all.Skip(q.Skip).Take(q.Top).Select(r => (JsonNode)JsonSelect.Apply(r, q.Select is null ? null : ["@odata.type", .. q.Select])).ToArray();
        var body = new JsonObject { ["@odata.context"] = ctx.Request.ServiceRoot + "/$metadata#directoryObjects" };
        if (q.Skip + q.Top < all.Count) body["@odata.nextLink"] = QueryOptions.NextLink(ctx, q.Skip + q.Top, useSkipToken: true);
        body["value"] = new JsonArray(page);
        return ApiResponse.Json(200, body);
    }

    /// <summary>An activated directory role of the tenant: its own object id (stable per tenant and template) and template id.</summary>
    static JsonObject RoleJson(TenantState state, string templateId, bool full) => new()
    {
        ["@odata.type"] = "#microsoft.graph.directoryRole",
        ["id"] = RoleObjectId(state.TenantId, templateId),
        ["deletedDateTime"] = null,
        ["description"] = full ? $"Members of the {RoleNames.GetValueOrDefault(templateId, templateId)} role." : null,
        ["displayName"] = full ? RoleNames.GetValueOrDefault(templateId, templateId) : null,
        ["roleTemplateId"] = templateId,
    };

    static string RoleObjectId(string tenantId, string templateId)
    {
        var h = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"role:{tenantId}:{templateId}".ToLowerInvariant()));
        return new Guid(h.AsSpan(0, 16)).ToString();
    }
}
