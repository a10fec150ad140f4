namespace AirRemediation.Engine.Investigations;

/// <summary>
/// One piece of alert evidence, flattened to what remediation needs. <see cref="Type"/> is the Graph type name
/// without namespace (analyzedMessageEvidence, mailClusterEvidence, urlEvidence, mailboxEvidence,
/// mailboxConfigurationEvidence, …); fields that do not apply to the type are null.
/// </summary>
public sealed record EvidenceInfo
{
    public required string Type { get; init; }
    public string? RemediationStatus { get; init; }
    public string? Verdict { get; init; }
    public string? RecipientEmailAddress { get; init; }
    public string? InternetMessageId { get; init; }
    public string? NetworkMessageId { get; init; }
    public string? Subject { get; init; }
    public string? Url { get; init; }
    public string? ClusterBy { get; init; }
    public string? ClusterByValue { get; init; }
    public long? EmailCount { get; init; }
    public IReadOnlyList<string> NetworkMessageIds { get; init; } = [];
    public string? Query { get; init; }
    public string? MailboxAddress { get; init; }
    public string? ConfigurationType { get; init; }
    public string? ConfigurationId { get; init; }
    public string? DisplayName { get; init; }

    /// <summary>True when Defender is waiting for someone to approve remediating this evidence.</summary>
    public bool IsPendingApproval => string.Equals(RemediationStatus, "pendingApproval", StringComparison.OrdinalIgnoreCase);

    /// <summary>A stable identity for this evidence within its alert (what "the same evidence" means for dedupe).</summary>
    public string NaturalKey => Type switch
    {
        "analyzedMessageEvidence" => $"msg:{NetworkMessageId ?? InternetMessageId}:{RecipientEmailAddress}".ToLowerInvariant(),
        "mailClusterEvidence" => $"cluster:{string.Join(',', NetworkMessageIds.Order(StringComparer.Ordinal))}:{ClusterByValue}".ToLowerInvariant(),
        "urlEvidence" => $"url:{Url}".ToLowerInvariant(),
        "mailboxConfigurationEvidence" => $"mbxcfg:{MailboxAddress}:{ConfigurationType}:{ConfigurationId}".ToLowerInvariant(),
        "mailboxEvidence" => $"mbx:{MailboxAddress}".ToLowerInvariant(),
        _ => $"{Type}:{DisplayName}".ToLowerInvariant(),
    };
}
