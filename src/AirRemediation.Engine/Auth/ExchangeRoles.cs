namespace AirRemediation.Engine.Auth;

/// <summary>What an identity asks Exchange Online to do, as far as the directory role it needs is concerned.</summary>
public enum ExchangeTask
{
    /// <summary>Get-TenantAllowBlockListItems.</summary>
    ReadUrlBlocks,

    /// <summary>New-/Set-/Remove-TenantAllowBlockListItems.</summary>
    WriteUrlBlocks,

    /// <summary>Set-Mailbox forwarding.</summary>
    WriteMailboxForwarding,
}

/// <summary>Whether the identity's directory roles allow a task: Allowed is null when its roles are not known.</summary>
public sealed record ExchangeRoleVerdict(bool? Allowed, string Needed, IReadOnlyList<string> Has, string Message);

/// <summary>
/// The Entra directory roles Exchange Online accepts per task. Applications get a shorter list: Microsoft's app-only
/// roles for Exchange PowerShell are Compliance Administrator, Exchange Administrator, Exchange Recipient Administrator,
/// Global Administrator, Global Reader, Helpdesk Administrator, Security Administrator and Security Reader (no Security
/// Operator), and only Exchange Administrator and Global Administrator cover "security and protection features";
/// "the Security Administrator role does not have the necessary permissions for those same tasks"
/// (office-docs-powershell, exchange/docs-conceptual/app-only-auth-powershell-v2.md, step 5). Users: the Defender
/// portal's Tenant Allow/Block List roles (DD tenant-allow-block-list-urls-configure.md) and Organization Management.
/// </summary>
/// <remarks>
/// Roles come from the verified principal: a user's from Graph (/me/transitiveMemberOf), an application's from the wids
/// claim of the Graph token Graph accepted (<see cref="VerifiedPrincipal.TokenDirectoryRoleIds"/>). An app whose token
/// names no built-in role is "unknown", not refused: it may hold a custom Exchange role group, which no token shows.
/// </remarks>
public static class ExchangeRoles
{
    private static readonly string[] AppOnly =
    [
        DirectoryRoles.ComplianceAdministrator, DirectoryRoles.ExchangeAdministrator, DirectoryRoles.ExchangeRecipientAdministrator,
        DirectoryRoles.GlobalAdministrator, DirectoryRoles.GlobalReader, DirectoryRoles.HelpdeskAdministrator,
        DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityReader,
    ];

    private static (string[] AnyOf, string Needed, string What) Required(bool user, ExchangeTask task) => (user, task) switch
    {
        (false, ExchangeTask.WriteUrlBlocks) => ([DirectoryRoles.ExchangeAdministrator, DirectoryRoles.GlobalAdministrator],
            "Exchange Administrator (or Global Administrator)", "change the Tenant Allow/Block List"),
        (true, ExchangeTask.WriteUrlBlocks) => ([DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityOperator, DirectoryRoles.ExchangeAdministrator, DirectoryRoles.GlobalAdministrator],
            "Security Administrator (or Security Operator, Exchange Administrator, Global Administrator)", "change the Tenant Allow/Block List"),
        (false, ExchangeTask.ReadUrlBlocks) => ([DirectoryRoles.ExchangeAdministrator, DirectoryRoles.GlobalAdministrator, DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityReader, DirectoryRoles.GlobalReader],
            "Exchange Administrator (or Global Administrator, Security Administrator, Security Reader, Global Reader)", "read the Tenant Allow/Block List"),
        (true, ExchangeTask.ReadUrlBlocks) => ([DirectoryRoles.SecurityAdministrator, DirectoryRoles.SecurityOperator, DirectoryRoles.ExchangeAdministrator, DirectoryRoles.GlobalAdministrator, DirectoryRoles.SecurityReader, DirectoryRoles.GlobalReader],
            "Security Reader (or Security Administrator, Security Operator, Exchange Administrator, Global Administrator, Global Reader)", "read the Tenant Allow/Block List"),
        _ => ([DirectoryRoles.ExchangeAdministrator, DirectoryRoles.ExchangeRecipientAdministrator, DirectoryRoles.GlobalAdministrator],
            "Exchange Administrator (or Exchange Recipient Administrator, Global Administrator)", "change mailbox forwarding"),
    };

    public static ExchangeRoleVerdict Check(VerifiedPrincipal p, ExchangeTask task)
    {
        var (anyOf, needed, what) = Required(p.IsUser, task);
        var roles = p.IsUser ? p.DirectoryRoleIds : p.TokenDirectoryRoleIds;
        var known = p.IsUser ? p.DirectoryRolesKnown : roles.Any(DirectoryRoles.IsKnown);
        var has = roles.Where(DirectoryRoles.IsKnown).Select(DirectoryRoles.NameOf).ToList();
        if (!known)
            return new(null, needed, has, p.IsUser
                ? $"{p.DisplayName}'s directory roles could not be read, so whether it may {what} is unknown; it needs {needed}."
                : $"{p.DisplayName}'s token names no directory role, so whether it may {what} is unknown: app-only Exchange needs {needed} as a directory role of the app, or a custom Exchange role group (which this check cannot see).");
        var effective = p.IsUser ? roles : roles.Where(AppOnly.Contains);
        if (anyOf.Any(effective.Contains)) return new(true, needed, has, $"Granted ({string.Join(", ", anyOf.Where(effective.Contains).Select(DirectoryRoles.NameOf))}).");
        var hasText = has.Count == 0 ? "no Exchange-capable directory role" : string.Join(", ", has);
        var why = !p.IsUser && has.Contains("Security Administrator") && task != ExchangeTask.ReadUrlBlocks
            ? " Exchange Online does not let an application use Security Administrator for protection tasks (Microsoft: app-only authentication for Exchange Online PowerShell)."
            : !p.IsUser && has.Contains("Security Operator") ? " Exchange Online does not accept Security Operator for applications at all." : "";
        return new(false, needed, has, $"{p.DisplayName} needs {needed} to {what}{(p.IsUser ? "" : " app-only")}; it has {hasText}.{why}");
    }

    /// <summary>Refuses, before anything is created or sent, an identity whose known roles cannot do <paramref name="task"/>.</summary>
    public static void Ensure(AirSession session, ExchangeTask task)
    {
        var v = Check(session.Principal, task);
        if (v.Allowed == false)
            throw new AirException(AirErrorKind.AccessDenied,
                v.Message + (session.IsUser ? " Ask an admin for the role, or run as an identity that has it." : " Assign the role to the app's service principal (Microsoft Entra admin center > Roles and administrators), then connect again."),
                session.Identity);
    }
}
