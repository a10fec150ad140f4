using System.Security.Cryptography.X509Certificates;

namespace AirRemediation.Simulator.State;

/// <summary>An app registration and its service principal.</summary>
public sealed class SimApp
{
    public required string ClientId { get; init; }
    public required string DisplayName { get; init; }
    public required string ObjectId { get; init; }
    public List<string> Secrets { get; } = [];
    public List<X509Certificate2> Certificates { get; } = [];
    public HashSet<string> GraphRoles { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> ExchangeRoles { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> DirectoryRoleIds { get; } = new(StringComparer.OrdinalIgnoreCase);
    public bool PublicClient { get; init; }
    /// <summary>Mailboxes (UPNs) an RBAC-for-Applications scope allows; null = all.</summary>
    public HashSet<string>? MailboxScope { get; init; }
}
