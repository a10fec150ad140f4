namespace AirRemediation.Simulator.Observability;

/// <summary>Counters for one client id.</summary>
public sealed class AppStats
{
    public long Requests;
    public long Throttled;
    public long FirstTicks;
    public long LastTicks;
    public long CurrentSecond;
    public long CurrentSecondCount;
    public long PeakPerSecond;
}
