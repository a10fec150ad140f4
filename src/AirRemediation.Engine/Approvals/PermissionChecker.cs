using AirRemediation.Engine.Auth;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// Reads the session's tokens (roles/scopes and directory roles) and says, per capability, whether it can be used and
/// what is missing. Least privilege first: the narrowest permission that works is the one named as missing.
/// </summary>
public static class PermissionChecker
{
    public static IReadOnlyList<PermissionCheck> Check(AirSession s, ApprovalPolicy? policy)
    {
        var graph = s.GraphClaims.Roles.Concat(s.GraphClaims.Scopes).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var exchange = s.ExchangeClaims is null ? null : s.ExchangeClaims.Roles.Concat(s.ExchangeClaims.Scopes).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var list = new List<PermissionCheck>();

        PermissionCheck Graph(string capability, string[] anyOf, string why)
        {
            var ok = anyOf.Any(graph.Contains);
            return new PermissionCheck(capability, ok, ok ? [] : [$"Graph {(s.IsUser ? "delegated" : "application")} permission {anyOf[0]}"],
                ok ? $"Granted ({anyOf.First(graph.Contains)})." : $"Needs {anyOf[0]} {why}.");
        }

        PermissionCheck Exchange(string capability, ExchangeTask task)
        {
            var missing = new List<string>();
            var notes = new List<string>();
            var permission = s.IsUser ? "Exchange.Manage" : "Exchange.ManageAsApp";
            if (exchange is null) missing.Add("an Exchange Online token (" + (s.ExchangeUnavailableReason ?? "not connected to Exchange") + ")");
            else if (!exchange.Contains(permission))
            {
                missing.Add($"Exchange {(s.IsUser ? "delegated" : "application")} permission {permission}");
                // The v2.0 Exchange Online Admin API (preview) has its own permissions; they do not open InvokeCommand.
                var v2 = s.IsUser ? "Exchange.ManageV2" : "Exchange.ManageAsAppV2";
                if (exchange.Contains(v2))
                    notes.Add($"The token has {v2}, the permission of the v2.0 Exchange Online Admin API (preview), whose endpoints have no Tenant Allow/Block List or Set-Mailbox forwarding cmdlets; these need {permission} as well.");
            }
            var roles = ExchangeRoles.Check(s.Principal, task);
            if (roles.Allowed != true)
            {
                missing.Add($"directory role {roles.Needed}");
                notes.Add(roles.Message);
            }
            var detail = missing.Count == 0 ? roles.Message : "Missing: " + string.Join("; ", missing) + "." + (notes.Count == 0 ? "" : " " + string.Join(" ", notes));
            return new PermissionCheck(capability, missing.Count == 0, missing, detail);
        }

        list.Add(Graph("Soft delete email (Invoke-AirSoftDelete)", ["Mail.ReadWrite"], "to find and move messages"));
        list.Add(Graph("Search all mailboxes (-AllMailboxes)", ["User.Read.All", "User.ReadBasic.All", "Directory.Read.All"], "to list the tenant's mailboxes"));
        list.Add(Graph("Turn off forwarding inbox rules (Disable-AirMailForwarding)", ["MailboxSettings.ReadWrite"], "to disable or delete inbox rules"));
        list.Add(Exchange("Clear mailbox SMTP forwarding (Disable-AirMailForwarding)", ExchangeTask.WriteMailboxForwarding));
        list.Add(Exchange("Block URLs (Block-AirUrl, Unblock-AirUrl)", ExchangeTask.WriteUrlBlocks));
        list.Add(Exchange("List URL blocks (Get-AirUrlBlock)", ExchangeTask.ReadUrlBlocks));
        list.Add(Graph("Read Defender investigations (Get-AirInvestigation, Get-AirPendingAction)", ["SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"], "to read alerts_v2"));
        list.Add(Graph("Write outcomes back to alerts (Approve-/Deny-AirAction)", ["SecurityAlert.ReadWrite.All"], "to post alert comments"));
        if (!s.IsUser)
            list.Add(Graph("Resolve email clusters (mailClusterEvidence)", ["SecurityAnalyzedMessage.Read.All", "SecurityAnalyzedMessage.ReadWrite.All"], "(application only) to read analyzedEmails"));
        else
            list.Add(new PermissionCheck("Resolve email clusters (mailClusterEvidence)", false, ["an application sign-in (analyzedEmails has application permissions only)"],
                "analyzedEmails accepts only application permissions (SecurityAnalyzedMessage.Read.All); sync cluster evidence from an app or managed identity."));

        // Who may decide comes from what Graph verified at connect (Principal), as the approval rules read it.
        if (s.IsUser)
        {
            var ok = s.Principal.HasApproverRole;
            list.Add(new PermissionCheck("Approve or deny actions (Approve-/Deny-AirAction)", ok,
                ok ? [] : ["directory role Security Administrator, Security Operator or Global Administrator (as Graph reports it)"],
                ok ? "Granted by directory role; four-eyes still applies (you cannot approve what you proposed)." : "Needs an approving directory role."));
            var admin = s.Principal.HasPolicyRole;
            list.Add(new PermissionCheck("Change the approval policy (Set-AirApprovalPolicy)", admin,
                admin ? [] : ["directory role Security Administrator or Global Administrator (as Graph reports it)"],
                admin ? "Granted by directory role; turning self-approval on needs a second administrator." : "Needs Security Administrator or Global Administrator."));
        }
        else
        {
            var ok = ApprovalRules.IsPolicyApp(s.Principal, policy);
            list.Add(new PermissionCheck("Approve or deny actions (Approve-/Deny-AirAction)", ok,
                ok ? [] : ["the store's approval policy naming this application's app id (Set-AirApprovalPolicy -AppApprover)"],
                ok ? "Granted by the store's approval policy." : "Applications approve only when the store's policy names their app id."));
        }
        return list;
    }
}
