using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;

namespace AirRemediation.Engine.Approvals;

/// <summary>The rules of who may decide: four-eyes (not the proposer, unless the policy allows it) and an approving role or policy entry.</summary>
internal static class ApprovalRules
{
    /// <summary>Four-eyes: the proposer may not approve their own action unless the store's policy allows self-approval.</summary>
    public static void EnsureNotProposer(AirSession session, ApprovalPolicy policy, ActionRecord action)
    {
        if (!policy.AllowSelfApproval && string.Equals(action.ProposedBy, session.Identity, StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"Action {action.Id} was proposed by {action.ProposedBy}; four-eyes approval needs someone else to approve it. (A single-admin tenant can allow self-approval with Set-AirApprovalPolicy -AllowSelfApproval.)", action.Id);
    }

    /// <summary>A user needs Security Administrator, Security Operator or Global Administrator; an application must be named in the policy.</summary>
    public static void EnsureApprover(AirSession session, ApprovalPolicy policy, string verb)
    {
        if (session.IsUser)
        {
            if (!session.GraphClaims.DirectoryRoleIds.Any(DirectoryRoles.Approvers.Contains))
                throw new AirException(AirErrorKind.ApprovalRefused,
                    $"{session.Identity} cannot {verb} remediation actions: that needs the Security Administrator, Security Operator or Global Administrator role, and the signed-in user has {(session.GraphClaims.DirectoryRoleIds.Count == 0 ? "no directory role" : string.Join(", ", session.GraphClaims.DirectoryRoleIds.Select(DirectoryRoles.NameOf)))}.",
                    session.Identity);
            return;
        }
        if (!IsPolicyApp(session, policy))
            throw new AirException(AirErrorKind.ApprovalRefused,
                $"The application {session.Identity} ({session.ClientId}) cannot {verb} remediation actions: applications approve only when the store's policy names them (Set-AirApprovalPolicy -AppApprover).",
                session.Identity);
    }

    /// <summary>True when the store's policy names this application (by client id, token app id or name).</summary>
    public static bool IsPolicyApp(AirSession session, ApprovalPolicy? policy)
    {
        var appIds = new[] { session.ClientId, session.GraphClaims.AppId, session.Identity }.Where(x => x is not null);
        return policy is not null && policy.AppApprovers.Any(a => appIds.Contains(a, StringComparer.OrdinalIgnoreCase));
    }
}
