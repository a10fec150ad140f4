namespace AirRemediation.Engine.Auth;

/// <summary>
/// Names of the Entra directory roles the module cares about, keyed by role template id (the <c>wids</c> claim).
/// Ids from learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference.
/// </summary>
public static class DirectoryRoles
{
    public const string GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
    public const string SecurityAdministrator = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    public const string SecurityOperator = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f";
    public const string SecurityReader = "5d6b6bb7-de71-4623-b4af-96380a352509";
    public const string GlobalReader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    public const string ExchangeAdministrator = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    public const string ExchangeRecipientAdministrator = "31392ffb-586c-42d1-9346-e59415a2cc4e";
    public const string ComplianceAdministrator = "17315797-102d-40b4-93e0-432062caca18";
    public const string HelpdeskAdministrator = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        [GlobalAdministrator] = "Global Administrator",
        [SecurityAdministrator] = "Security Administrator",
        [SecurityOperator] = "Security Operator",
        [SecurityReader] = "Security Reader",
        [GlobalReader] = "Global Reader",
        [ExchangeAdministrator] = "Exchange Administrator",
        [ExchangeRecipientAdministrator] = "Exchange Recipient Administrator",
        [ComplianceAdministrator] = "Compliance Administrator",
        [HelpdeskAdministrator] = "Helpdesk Administrator",
    };

    /// <summary>The roles that may approve remediation actions (Defender AIR's approvers, less the read-only ones).</summary>
    public static IReadOnlySet<string> Approvers { get; } =
        new HashSet<string>([GlobalAdministrator, SecurityAdministrator, SecurityOperator], StringComparer.OrdinalIgnoreCase);

    /// <summary>Who may change the approval policy (who approves, self-approval): Security Administrator or Global Administrator.</summary>
    public static IReadOnlySet<string> PolicyAdministrators { get; } =
        new HashSet<string>([GlobalAdministrator, SecurityAdministrator], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the id is one of the built-in roles this table names (a wids entry may be anything else).</summary>
    public static bool IsKnown(string roleTemplateId) => Names.ContainsKey(roleTemplateId);

    /// <summary>A readable role name, or the id itself for roles this table does not know.</summary>
    public static string NameOf(string roleTemplateId) =>
        Names.TryGetValue(roleTemplateId, out var n) ? n : roleTemplateId;
}
