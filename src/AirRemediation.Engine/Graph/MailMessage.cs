namespace AirRemediation.Engine.Graph;

/// <summary>The few message fields remediation needs (what we $select), with an immutable id.</summary>
public sealed record MailMessage(
    string Id,
    string? InternetMessageId,
    string? Subject,
    string? From,
    string? ParentFolderId,
    DateTimeOffset? ReceivedDateTime);
