using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>Service failures of a soft delete, in words an admin can act on.</summary>
internal static class SoftDeleteErrors
{
    public static AirException Mailbox(string mailbox, ServiceCallException e) => e.Kind switch
    {
        FailureKind.NotFound => new AirException(AirErrorKind.NotFound, $"Mailbox '{mailbox}' was not found in the tenant.", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.MailboxNotRestEnabled => new AirException(AirErrorKind.MailboxNotRestEnabled,
            $"Mailbox '{mailbox}' cannot be reached through Graph (inactive, soft-deleted, on-premises or without a licence): {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.Forbidden => new AirException(AirErrorKind.AccessDenied,
            $"Access to mailbox '{mailbox}' was denied (403): the app lacks Mail.ReadWrite or the mailbox is outside its scope. {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        _ => new AirException(e.ToErrorKind(), $"Mailbox '{mailbox}' could not be searched: {Describe(e)}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
    };

    public static string Describe(ServiceCallException e) =>
        e.Status is { } s ? $"{s} {e.Code}: {e.Message}" : $"{e.Code}: {e.Message}";
}
