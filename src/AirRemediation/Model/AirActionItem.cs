namespace AirRemediation;

/// <summary>One journal row of an action: a message, rule, mailbox setting or URL entry, and how it ended.</summary>
public sealed class AirActionItem
{
    public string ActionId { get; init; } = "";
    public long Seq { get; init; }
    public string Key { get; init; } = "";
    public string? Target { get; init; }
    /// <summary>Planned, InProgress, Succeeded, AlreadyRemediated, Failed or Skipped.</summary>
    public string Outcome { get; init; } = "";
    public string? Reason { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
