namespace AirRemediation.Simulator.Scenario;

public sealed class MessageSpec
{
    public string InternetMessageId { get; set; } = "";
    /// <summary>Defender's network message id; Graph's message has no such property, analyzedEmails and alerts do.</summary>
    public string? NetworkMessageId { get; set; }
    public string Subject { get; set; } = "";
    /// <summary>Sender address.</summary>
    public string From { get; set; } = "";
    public string? FromName { get; set; }
    public DateTimeOffset ReceivedDateTime { get; set; }
    public bool HasAttachments { get; set; }
    public bool IsRead { get; set; }
    /// <summary>Well-known folder name or a custom folder's display name; inbox when absent.</summary>
    public string Folder { get; set; } = "inbox";
    public string? BodyPreview { get; set; }
    /// <summary>The item's message class (PR_MESSAGE_CLASS): IPM.Note for mail; IPM.SkypeTeams.Message for a Teams chat
    /// message, which Graph's /messages lists too (a documented known issue).</summary>
    public string ItemClass { get; set; } = "IPM.Note";
    public List<string> Urls { get; set; } = [];
}
