using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;

namespace AirRemediation.Engine.Approvals;

/// <summary>
/// The rules of who may decide, on the identity Graph verified at connect (<see cref="AirSession.Principal"/>), never on
/// token claims or display names: four-eyes compares object id + tenant, applications are matched by app id, roles are
/// the directory roles Graph reported.
/// </summary>
internal static class ApprovalRules
{
    /// <summary>Four-eyes: the proposer may not approve their own action unless the store's policy allows self-approval.</summary>
    public static void EnsureNotProposer(AirSession session, ApprovalPolicy policy, ActionRecord action)
    {
        if (policy.AllowSelfApproval || !IsProposer(session.Principal, action)) return;
        throw new AirException(AirErrorKind.ApprovalRefused,
            $"Action {action.Id} was proposed by {action.ProposedBy}; four-eyes approval needs someone else to approve it. (A single-admin tenant can allow self-approval with Set-AirApprovalPolicy -AllowSelfApproval, confirmed by a second Security Administrator.)", action.Id);
    }

    /// <summary>True when <paramref name="principal"/> proposed the action: by verified id; by name only for rows written before ids were stored.</summary>
    public static bool IsProposer(VerifiedPrincipal principal, ActionRecord action) =>
        action.ProposerId is { } id
            ? string.Equals(id, principal.Key, StringComparison.OrdinalIgnoreCase)
            : string.Equals(action.ProposedBy, principal.DisplayName, StringComparison.OrdinalIgnoreCase);

    /// <summary>A user needs Security Administrator, Security Operator or Global Administrator as Graph reports them; an application must be named in the policy by app id.</summary>
    public static void EnsureApprover(AirSession session, ApprovalPolicy policy, string verb)
    {
        var p = session.Principal;
        if (p.IsUser)
        {
            if (!p.HasApproverRole)
                throw new AirException(AirErrorKind.ApprovalRefused,
                    $"{p.DisplayName} cannot {verb} remediation actions: that needs the Security Administrator, Security Operator or Global Administrator role, and {DescribeRoles(p)}.",
                    p.DisplayName);
            return;
        }
        if (!IsPolicyApp(p, policy))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"The application {p.DisplayName} ({p.AppId}) cannot {verb} remediation actions: applications approve only when the store's policy names them by app id (Set-AirApprovalPolicy -AppApprover <app id>).",
                p.DisplayName);
    }

    /// <summary>Changing who approves needs Security Administrator or Global Administrator (Security Operator may approve, not set the rules).</summary>
    public static void EnsurePolicyAdministrator(AirSession session)
    {
        var p = session.Principal;
        if (p.HasPolicyRole) return;
        throw new AirException(AirErrorKind.ApprovalRefused,
            $"{p.DisplayName} cannot change the approval policy: that needs the Security Administrator or Global Administrator role, and {DescribeRoles(p)}.",
            p.DisplayName);
    }

    /// <summary>True when the store's policy names this application's app id (a display name is never enough: anyone can register an app with any name).</summary>
    public static bool IsPolicyApp(VerifiedPrincipal principal, ApprovalPolicy? policy) =>
        !principal.IsUser && principal.AppId is { } appId && policy is not null
        && policy.AppApprovers.Contains(appId, StringComparer.OrdinalIgnoreCase);

    private static string DescribeRoles(VerifiedPrincipal p)
    {
        var who = p.IsUser ? "the signed-in user" : "the application";
        return !p.DirectoryRolesKnown ? $"Graph did not say which directory roles {who} holds (treated as none)"
            : $"Graph reports that {who} has " + (p.DirectoryRoleIds.Count == 0 ? "no directory role" : string.Join(", ", p.DirectoryRoleIds.Select(DirectoryRoles.NameOf)));
    }
}
