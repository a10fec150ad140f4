namespace AirRemediation.Engine.Diagnostics;

/// <summary>
/// The log of the operation in progress. Flows with the async call (AsyncLocal), so the HTTP handlers that the
/// session shares can write into whichever cmdlet invocation caused the request.
/// </summary>
public static class AirLog
{
    private static readonly AsyncLocal<IAirLog?> CurrentLog = new();

    public static IAirLog Current => CurrentLog.Value ?? NullLog.Instance;

    /// <summary>Routes log lines of the calling async flow to <paramref name="log"/> until disposed.</summary>
    public static IDisposable Use(IAirLog log)
    {
        var previous = CurrentLog.Value;
        CurrentLog.Value = log;
        return new Restore(() => CurrentLog.Value = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private sealed class NullLog : IAirLog
    {
        public static readonly NullLog Instance = new();
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
    }
}
