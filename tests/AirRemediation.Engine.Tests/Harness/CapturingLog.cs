using System.Collections.Concurrent;
using AirRemediation.Engine.Diagnostics;

namespace AirRemediation.Engine.Tests.Harness;

/// <summary>Collects the Engine's log lines of one flow (thread-safe).</summary>
internal sealed class CapturingLog : IAirLog
{
    private readonly ConcurrentQueue<(string Level, string Message)> lines = new();
    public IReadOnlyList<(string Level, string Message)> Lines => [.. lines];
    public IEnumerable<string> Warnings => lines.Where(l => l.Level == "warning").Select(l => l.Message);
    public void Verbose(string message) => lines.Enqueue(("verbose", message));
    public void Debug(string message) => lines.Enqueue(("debug", message));
    public void Warning(string message) => lines.Enqueue(("warning", message));
}
