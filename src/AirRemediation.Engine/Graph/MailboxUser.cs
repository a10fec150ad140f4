namespace AirRemediation.Engine.Graph;

/// <summary>A user as the tenant-wide mailbox scan sees it.</summary>
public sealed record MailboxUser(string Id, string? Mail, string? UserPrincipalName)
{
    /// <summary>The address to use for mailbox requests: the primary SMTP address, else the UPN.</summary>
    public string? Address => Mail ?? UserPrincipalName;
}
