using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// What Microsoft Graph says now about an approver an action records (<c>objectId@tenantId</c>), asked by the worker
/// with its own application token: a user must exist in this tenant (<c>GET /users/{id}</c>) and hold an approving role
/// (<c>GET /users/{id}/transitiveMemberOf</c>, directory roles by template id); an application must exist
/// (<c>GET /servicePrincipals/{id}</c>) and its app id be an approver of the policy. Application permissions:
/// User.Read.All (users and their memberships) and Application.Read.All (service principals) — docs/PERMISSIONS.md.
/// </summary>
internal sealed class ApproverCheck(AirSession session)
{
    private const string DirectoryRoleType = "#microsoft.graph.directoryRole";

    /// <summary>Null when the approval holds; otherwise why the worker refuses it.</summary>
    public async Task<string?> RefusalAsync(ActionRecord action, ActorKind approverKind, ApprovalPolicy policy, CancellationToken ct)
    {
        if (action.ApproverId is not { } key || key.Split('@') is not [var objectId, var tenant] || !Guid.TryParse(objectId, out var oid))
            return "it records no verified approver (objectId@tenantId), so the approval cannot be checked with Microsoft Graph.";
        if (!string.Equals(tenant, session.TenantId, StringComparison.OrdinalIgnoreCase))
            return $"its approver {key} belongs to tenant {tenant}, not to this tenant ({session.TenantId}).";
        if (!policy.AllowSelfApproval && action.ProposerId is { } proposer && string.Equals(proposer, key, StringComparison.OrdinalIgnoreCase))
            return $"it was approved by its own proposer ({action.ApprovedBy}) while four-eyes approval is on.";
        var id = oid.ToString();
        return approverKind == ActorKind.App
            ? await AppRefusalAsync(id, action, policy, ct).ConfigureAwait(false)
            : await UserRefusalAsync(id, action, ct).ConfigureAwait(false);
    }

    private async Task<string?> UserRefusalAsync(string id, ActionRecord action, CancellationToken ct)
    {
        var user = await GetAsync($"/users/{id}?$select=id,userPrincipalName", "User.Read.All", ct).ConfigureAwait(false);
        if (user is null)
            return $"its approver {action.ApprovedBy} ({id}) does not exist in this tenant (Microsoft Graph: /users/{id} not found).";
        var roles = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? url = $"/users/{id}/transitiveMemberOf?$top=999";
        while (url is not null)
        {
            var page = await GetAsync(url, "User.Read.All", ct).ConfigureAwait(false)
                ?? throw new AirException(AirErrorKind.NotFound, $"Microsoft Graph no longer finds user {id} while listing their directory roles.", action.Id);
            foreach (var o in (page["value"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (string.Equals((string?)o["@odata.type"], DirectoryRoleType, StringComparison.OrdinalIgnoreCase) && (string?)o["roleTemplateId"] is { Length: > 0 } t)
                    roles.Add(t);
            }
            url = (string?)page["@odata.nextLink"];
        }
        if (roles.Any(DirectoryRoles.Approvers.Contains)) return null;
        return $"its approver {(string?)user["userPrincipalName"] ?? action.ApprovedBy} no longer holds Security Administrator, Security Operator or Global Administrator according to Microsoft Graph ("
            + (roles.Count == 0 ? "no directory role" : string.Join(", ", roles.Select(DirectoryRoles.NameOf))) + ").";
    }

    private async Task<string?> AppRefusalAsync(string id, ActionRecord action, ApprovalPolicy policy, CancellationToken ct)
    {
        var sp = await GetAsync($"/servicePrincipals/{id}?$select=id,appId,displayName", "Application.Read.All", ct).ConfigureAwait(false);
        if (sp is null)
            return $"its approving application {action.ApprovedBy} ({id}) does not exist in this tenant (Microsoft Graph: /servicePrincipals/{id} not found).";
        var appId = (string?)sp["appId"];
        return appId is not null && policy.AppApprovers.Contains(appId, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"its approving application {(string?)sp["displayName"] ?? action.ApprovedBy} (app id {appId ?? "unknown"}) is not an application approver of the store's policy.";
    }

    /// <summary>One GET through the session's retry loop; null on 404, an <see cref="AirException"/> for anything else that failed.</summary>
    private async Task<JsonObject?> GetAsync(string pathOrLink, string permission, CancellationToken ct)
    {
        var root = session.GraphEndpoint.ToString().TrimEnd('/');
        var uri = pathOrLink.StartsWith('/') ? new Uri(root + pathOrLink) : new Uri(pathOrLink);
        if (!string.Equals(uri.GetLeftPart(UriPartial.Authority), session.GraphEndpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.ServiceError, $"Microsoft Graph returned a link to another host ({uri.Host}); it was not followed.", "Microsoft Graph");
        try
        {
            return await session.Caller.CallAsync<JsonObject>(null, c => SendAsync(uri, c), ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e) when (e.Status == 404)
        {
            return null;
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.Forbidden)
        {
            throw new AirException(AirErrorKind.AccessDenied,
                $"Microsoft Graph refused to read {uri.AbsolutePath} (HTTP 403 {e.Code}), which verifying an approval needs. Grant the worker app the application permission {permission} (docs/PERMISSIONS.md).",
                "Microsoft Graph") { HttpStatus = e.Status, ServiceCode = e.Code };
        }
        catch (ServiceCallException e)
        {
            throw new AirException(AirErrorKind.ServiceError, $"Microsoft Graph failed while reading {uri.AbsolutePath} to verify an approval: {e.Message}", "Microsoft Graph")
            { HttpStatus = e.Status, ServiceCode = e.Code };
        }
    }

    private async Task<JsonObject> SendAsync(Uri uri, CancellationToken ct)
    {
        using var http = new HttpClient(session.Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        return await GraphObjectReader.GetAsync(session, http, uri, ct).ConfigureAwait(false);
    }
}
