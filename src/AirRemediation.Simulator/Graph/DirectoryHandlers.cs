using System.Text.Json.Nodes;
using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Graph;

/// <summary>/users and /domains as Entra's directory answers them.</summary>
public static class DirectoryHandlers
{
    public static readonly string[] UserRead = ["User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"];
    public static readonly string[] DomainRead = ["Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    static readonly Dictionary<string, FilterEvaluator<SimUser>.Property> UserFilter = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = new(FilterLiteralKind.String, u => u.Id),
        ["mail"] = new(FilterLiteralKind.String, u => u.Mail),
        ["userPrincipalName"] = new(FilterLiteralKind.String, u => u.UserPrincipalName),
        ["displayName"] = new(FilterLiteralKind.String, u => u.DisplayName),
        ["accountEnabled"] = new(FilterLiteralKind.Boolean, u => u.AccountEnabled),
    };

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
            FilterEvaluator<SimUser> eval;
            try
            {
                eval = new FilterEvaluator<SimUser>(q.Filter, UserFilter, "microsoft.graph.user", UserKnown);
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
}
