namespace AirRemediation.Engine.Execution;

/// <summary>What a run has seen so far, for progress: units (mailboxes, URL batches) scanned, items found, finished and failed. Thread-safe.</summary>
internal sealed class RunCounters
{
    private long unitsScanned;
    private long unitsTotal = -1;
    private long found;
    private long finished;
    private long failed;

    public long UnitsScanned => Interlocked.Read(ref unitsScanned);
    /// <summary>-1 until the total is known (a tenant-wide run learns it when the last page of users arrives).</summary>
    public long UnitsTotal => Interlocked.Read(ref unitsTotal);
    public long Found => Interlocked.Read(ref found);
    public long Finished => Interlocked.Read(ref finished);
    public long Failed => Interlocked.Read(ref failed);

    public void UnitScanned() => Interlocked.Increment(ref unitsScanned);
    public void SetUnitsTotal(long total) => Interlocked.Exchange(ref unitsTotal, total);
    public void AddFound(long n) => Interlocked.Add(ref found, n);

    public void AddFinished(bool failedItem)
    {
        Interlocked.Increment(ref finished);
        if (failedItem) Interlocked.Increment(ref failed);
    }
}
