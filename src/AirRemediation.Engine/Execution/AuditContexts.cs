using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>Who a session is, as the audit trail records it: identity names and how it signed in, never a credential.</summary>
internal static class AuditContexts
{
    public static AuditContext For(AirSession session, string? reason = null) =>
        new(session.Identity, session.IsUser ? ActorKind.User : ActorKind.App,
            $"{session.Method}; tenant {session.TenantId}; client {session.ClientId ?? "n/a"}", reason, ActorId: session.Principal.Key);
}
