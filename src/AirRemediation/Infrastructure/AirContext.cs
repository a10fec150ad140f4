using AirRemediation.Engine;
using AirRemediation.Engine.Auth;

namespace AirRemediation.Infrastructure;

/// <summary>The connection of this PowerShell process, set by Connect-AirService and cleared by Disconnect-AirService.</summary>
internal static class AirContext
{
    private static readonly object Gate = new();
    private static AirSession? session;

    public static AirSession? Session
    {
        get { lock (Gate) return session; }
    }

    public static AirSession RequireSession() =>
        Session ?? throw new AirException(AirErrorKind.NotConnected,
            "Not connected. Run Connect-AirService first (Get-Help Connect-AirService -Examples shows how).");

    public static void Replace(AirSession? next)
    {
        AirSession? previous;
        lock (Gate)
        {
            previous = session;
            session = next;
        }
        if (!ReferenceEquals(previous, next)) previous?.Dispose();
    }
}
