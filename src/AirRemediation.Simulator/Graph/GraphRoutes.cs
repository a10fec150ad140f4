using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Graph;

/// <summary>The Graph v1.0 operations the simulator plays, with the permissions Microsoft documents for each.</summary>
public static class GraphRoutes
{
    public static RouteTable Build()
    {
        var t = new RouteTable();

        void Add(string method, string template, RouteKind kind, string[] permissions, Func<RouteContext, ApiResponse> handler, bool appOnly = false, string[]? delegatedRoles = null)
        {
            t.Add(new Route
            {
                Method = method,
                Template = Route.Parse(template),
                Kind = kind,
                Permissions = permissions,
                Handler = handler,
                AppOnly = appOnly,
                DelegatedRoles = delegatedRoles ?? [],
            });
        }

        // Mailbox routes exist for /users/{user} and, for delegated callers, /me.
        void Mailbox(string method, string rest, string[] permissions, Func<RouteContext, ApiResponse> handler)
        {
            Add(method, "users/{user}/" + rest, RouteKind.Outlook, permissions, handler);
            Add(method, "me/" + rest, RouteKind.Outlook, permissions, handler);
        }

        Add("GET", "users", RouteKind.Directory, DirectoryHandlers.UserRead, DirectoryHandlers.ListUsers);
        Add("GET", "users/{user}", RouteKind.Directory, DirectoryHandlers.UserRead, DirectoryHandlers.GetUser);
        Add("GET", "me", RouteKind.Directory, ["User.Read", .. DirectoryHandlers.UserRead], DirectoryHandlers.GetUser);
        Add("GET", "me/transitiveMemberOf", RouteKind.Directory, DirectoryHandlers.MembershipRead, DirectoryHandlers.ListTransitiveMemberOf);
        Add("GET", "users/{user}/transitiveMemberOf", RouteKind.Directory, DirectoryHandlers.MembershipRead.Where(p => p != "User.Read").ToArray(), DirectoryHandlers.ListTransitiveMemberOf);
        Add("GET", "organization", RouteKind.Directory, DirectoryHandlers.OrganizationRead, DirectoryHandlers.GetOrganization);
        Add("GET", "organization/{id}", RouteKind.Directory, DirectoryHandlers.OrganizationRead, DirectoryHandlers.GetOrganization);
        Add("GET", "servicePrincipals/{id}", RouteKind.Directory, DirectoryHandlers.ServicePrincipalRead, DirectoryHandlers.GetServicePrincipal);
        Add("GET", "domains", RouteKind.Directory, DirectoryHandlers.DomainRead, DirectoryHandlers.ListDomains);

        Mailbox("GET", "messages", MailHandlers.MailRead, MailHandlers.ListMessages);
        Mailbox("GET", "messages/{id}", MailHandlers.MailRead, MailHandlers.GetMessage);
        Mailbox("POST", "messages/{id}/move", MailHandlers.MailWrite, MailHandlers.Move);
        Mailbox("DELETE", "messages/{id}", MailHandlers.MailWrite, MailHandlers.Delete);
        Mailbox("POST", "messages/{id}/permanentDelete", MailHandlers.MailWrite, MailHandlers.PermanentDelete);
        Mailbox("GET", "mailFolders", MailHandlers.MailRead, MailHandlers.ListFolders);
        Mailbox("GET", "mailFolders/{folder}", MailHandlers.MailRead, MailHandlers.GetFolder);
        Mailbox("GET", "mailFolders/{folder}/messages", MailHandlers.MailRead, MailHandlers.ListMessages);
        Mailbox("GET", "mailFolders/{folder}/messages/{id}", MailHandlers.MailRead, MailHandlers.GetMessage);
        Mailbox("POST", "mailFolders/{folder}/messages/{id}/move", MailHandlers.MailWrite, MailHandlers.Move);

        Mailbox("GET", "mailFolders/inbox/messageRules", RulesHandlers.Read, RulesHandlers.List);
        Mailbox("GET", "mailFolders/inbox/messageRules/{rule}", RulesHandlers.Read, RulesHandlers.Get);
        Mailbox("POST", "mailFolders/inbox/messageRules", RulesHandlers.Write, RulesHandlers.Create);
        Mailbox("PATCH", "mailFolders/inbox/messageRules/{rule}", RulesHandlers.Write, RulesHandlers.Patch);
        Mailbox("DELETE", "mailFolders/inbox/messageRules/{rule}", RulesHandlers.Write, RulesHandlers.Delete);

        Add("GET", "security/alerts_v2", RouteKind.Security, AlertsHandlers.Read, AlertsHandlers.List, delegatedRoles: AlertsHandlers.ReadRoles);
        Add("GET", "security/alerts_v2/{alert}", RouteKind.Security, AlertsHandlers.Read, AlertsHandlers.Get, delegatedRoles: AlertsHandlers.ReadRoles);
        Add("PATCH", "security/alerts_v2/{alert}", RouteKind.Security, AlertsHandlers.Write, AlertsHandlers.Patch, delegatedRoles: AlertsHandlers.WriteRoles);
        Add("POST", "security/alerts_v2/{alert}/comments", RouteKind.Security, AlertsHandlers.Write, AlertsHandlers.PostComment, delegatedRoles: AlertsHandlers.WriteRoles);

        Add("GET", "security/collaboration/analyzedEmails", RouteKind.Security, AnalyzedEmailsHandlers.Read, AnalyzedEmailsHandlers.List, appOnly: true);
        Add("POST", "security/collaboration/analyzedEmails/remediate", RouteKind.Security, AnalyzedEmailsHandlers.Write, AnalyzedEmailsHandlers.Remediate, appOnly: true);
        // The SDK addresses the bound action by its full name.
        Add("POST", "security/collaboration/analyzedEmails/microsoft.graph.security.remediate", RouteKind.Security, AnalyzedEmailsHandlers.Write, AnalyzedEmailsHandlers.Remediate, appOnly: true);

        return t;
    }
}
