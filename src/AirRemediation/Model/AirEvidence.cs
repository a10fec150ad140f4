namespace AirRemediation;

/// <summary>One piece of alert evidence; fields that do not apply to its type are empty.</summary>
public sealed class AirEvidence
{
    public string Type { get; init; } = "";
    public string? RemediationStatus { get; init; }
    public string? Verdict { get; init; }
    /// <summary>The main thing the evidence is about: recipient, URL, cluster value or mailbox.</summary>
    public string? Target { get; init; }
    public string? RecipientEmailAddress { get; init; }
    public string? InternetMessageId { get; init; }
    public string? NetworkMessageId { get; init; }
    public string? Subject { get; init; }
    public string? Url { get; init; }
    public string? ClusterBy { get; init; }
    public string? ClusterByValue { get; init; }
    public long? EmailCount { get; init; }
    public string[] NetworkMessageIds { get; init; } = [];
    public string? MailboxAddress { get; init; }
    public string? ConfigurationType { get; init; }
    public string? ConfigurationId { get; init; }

    public override string ToString() => $"{Type} {Target}";
}
