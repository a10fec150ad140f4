using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>Service failures of forwarding changes, in words an admin can act on.</summary>
internal static class ForwardingErrors
{
    public static AirException Mailbox(string mailbox, ServiceCallException e, string what) => e.Kind switch
    {
        FailureKind.NotFound => new AirException(AirErrorKind.NotFound, $"Mailbox '{mailbox}': {what}: not found ({e.Message})", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.MailboxNotRestEnabled => new AirException(AirErrorKind.MailboxNotRestEnabled,
            $"Mailbox '{mailbox}' can't be reached through REST (inactive, on-premises or unlicensed): {what}. {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.Forbidden => new AirException(AirErrorKind.AccessDenied,
            $"Mailbox '{mailbox}': {what}: access denied (403; needs MailboxSettings.ReadWrite for rules, Exchange.ManageAsApp with Exchange Administrator for Set-Mailbox). {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        _ => new AirException(e.ToErrorKind(), $"Mailbox '{mailbox}': {what}: {e.Status} {e.Code}: {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
    };
}
