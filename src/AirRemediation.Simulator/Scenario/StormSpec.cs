namespace AirRemediation.Simulator.Scenario;

/// <summary>A 429 storm: every request touching one of these mailboxes answers 429 while it lasts.</summary>
public sealed class StormSpec
{
    /// <summary>UPNs (or user ids) of the mailboxes.</summary>
    public List<string> Mailboxes { get; set; } = [];
    public int RetryAfterSeconds { get; set; } = 5;
    /// <summary>seconds | httpDate | missing | unparseable.</summary>
    public string RetryAfterStyle { get; set; } = "seconds";
    public double DurationSeconds { get; set; } = 30;
    /// <summary>Set when the storm is installed; the storm ends at StartedAt + DurationSeconds.</summary>
    public DateTimeOffset? StartedAt { get; set; }
}
