namespace AirRemediation.Simulator.Scenario;

/// <summary>An app registration with its service principal in this tenant.</summary>
public sealed class AppSpec
{
    public string ClientId { get; set; } = "";
    public string DisplayName { get; set; } = "";
    /// <summary>Service principal object id (the oid of app tokens). Derived from the client id when absent.</summary>
    public string? ObjectId { get; set; }
    public List<string> Secrets { get; set; } = [];
    public List<CertificateSpec> Certificates { get; set; } = [];
    /// <summary>Application permissions on Microsoft Graph (become the roles claim), e.g. Mail.ReadWrite.</summary>
    public List<string> GraphPermissions { get; set; } = [];
    /// <summary>Application permissions on Office 365 Exchange Online, e.g. Exchange.ManageAsApp.</summary>
    public List<string> ExchangePermissions { get; set; } = [];
    /// <summary>Entra directory roles of the service principal (names), needed by Exchange cmdlets as in EXO.</summary>
    public List<string> DirectoryRoles { get; set; } = [];
    /// <summary>
    /// Exchange RBAC for Applications: when set, the app's Graph mail permissions reach only these mailboxes (UPNs);
    /// others answer 403 ErrorAccessDenied. Null = the whole tenant (an unscoped Entra grant).
    /// </summary>
    public List<string>? MailboxScope { get; set; }
    /// <summary>Public client flows (device code) allowed, as "Allow public client flows" in Entra.</summary>
    public bool PublicClient { get; set; }
}
