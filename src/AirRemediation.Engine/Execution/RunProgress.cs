namespace AirRemediation.Engine.Execution;

/// <summary>A snapshot of a run for Write-Progress: what is scanned, found and done, the rate, and throttling.</summary>
public sealed record RunProgress
{
    public required string ActionId { get; init; }
    public required string Activity { get; init; }
    public long MailboxesScanned { get; init; }
    public long? MailboxesTotal { get; init; }
    public long Found { get; init; }
    public long Finished { get; init; }
    public long Failed { get; init; }
    public double ItemsPerSecond { get; init; }
    public TimeSpan? Remaining { get; init; }
    public long ThrottleWaits { get; init; }
    public bool Completed { get; init; }
}
