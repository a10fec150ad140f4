namespace AirRemediation.Engine.Diagnostics;

/// <summary>
/// An <see cref="IAirLog"/> made of three delegates. The cmdlet layer uses it so that none of its public types has
/// to implement an Engine interface (which would load the Engine before the private load context is wired).
/// </summary>
public sealed class DelegateLog(Action<string> verbose, Action<string> debug, Action<string> warning) : IAirLog
{
    public void Verbose(string message) => verbose(message);
    public void Debug(string message) => debug(message);
    public void Warning(string message) => warning(message);
}
