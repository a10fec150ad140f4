namespace AirRemediation.Engine.Auth;

/// <summary>The two resources a session holds tokens for.</summary>
public enum ServiceKind
{
    Graph,
    Exchange,
}
