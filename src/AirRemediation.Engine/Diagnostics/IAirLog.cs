namespace AirRemediation.Engine.Diagnostics;

/// <summary>
/// Where the Engine writes log lines. The cmdlet layer implements it on top of WriteVerbose/WriteDebug/WriteWarning;
/// the Engine never sees a cmdlet. Implementations must be thread-safe: lines arrive from worker tasks.
/// </summary>
public interface IAirLog
{
    void Verbose(string message);
    void Debug(string message);
    void Warning(string message);
}
