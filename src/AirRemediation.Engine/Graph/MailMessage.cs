namespace AirRemediation.Engine.Graph;

/// <summary>The few message fields remediation needs (what we $select), with an immutable id.</summary>
public sealed record MailMessage(
    string Id,
    string? InternetMessageId,
    string? Subject,
    string? From,
    string? ParentFolderId,
    DateTimeOffset? ReceivedDateTime,
    string? ItemClass = null)
{
    /// <summary>
    /// A Teams chat message, which Graph's /messages lists beside mail (a documented known issue): never remediated as mail.
    /// Known only when the search asked for the message class.
    /// </summary>
    public bool IsTeamsChat => ItemClass?.StartsWith("IPM.SkypeTeams", StringComparison.OrdinalIgnoreCase) == true;
}
