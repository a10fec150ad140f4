namespace AirRemediation.Simulator.Scenario;

public sealed class MailboxSpec
{
    /// <summary>UPN of the owning user (must be in users).</summary>
    public string User { get; set; } = "";
    /// <summary>false plays an on-premises/inactive mailbox: Graph answers MailboxNotEnabledForRESTAPI.</summary>
    public bool RestEnabled { get; set; } = true;
    /// <summary>Extra folder display names under msgfolderroot, besides the well-known ones.</summary>
    public List<string> Folders { get; set; } = [];
    public List<MessageSpec> Messages { get; set; } = [];
    /// <summary>Inbox rules in Graph's messageRule JSON shape.</summary>
    public List<JsonObject> Rules { get; set; } = [];
    public string? ForwardingSmtpAddress { get; set; }
    public string? ForwardingAddress { get; set; }
    public bool DeliverToMailboxAndForward { get; set; }
    /// <summary>
    /// Users (UPNs) with FullAccess to this mailbox (Add-MailboxPermission -AccessRights FullAccess). With the delegated
    /// Mail.ReadWrite.Shared (or Mail.Read.Shared for reads) permission they reach it through Graph as Exchange allows.
    /// </summary>
    public List<string> FullAccess { get; set; } = [];
}
