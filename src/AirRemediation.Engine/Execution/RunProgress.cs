namespace AirRemediation.Engine.Execution;

/// <summary>A snapshot of a run for Write-Progress: units scanned (mailboxes, URL entries), items found and finished, the rate, throttling.</summary>
public sealed record RunProgress
{
    public required string ActionId { get; init; }
    public required string Activity { get; init; }
    /// <summary>What a unit is ("Mailboxes", "Entries").</summary>
    public string UnitName { get; init; } = "Mailboxes";
    public long UnitsScanned { get; init; }
    /// <summary>Null until the number of units is known.</summary>
    public long? UnitsTotal { get; init; }
    public long Found { get; init; }
    public long Finished { get; init; }
    public long Failed { get; init; }
    public double ItemsPerSecond { get; init; }
    public TimeSpan? Remaining { get; init; }
    public long ThrottleWaits { get; init; }
    public bool Completed { get; init; }

    /// <summary>Percent done: by units when there are several, else by items; null when unknown.</summary>
    public int? PercentComplete =>
        UnitsTotal is > 1 and var total ? (int)Math.Min(100, UnitsScanned * 100 / total)
        : Found > 0 ? (int)Math.Min(100, Finished * 100 / Found)
        : null;
}
