using AirRemediation.Engine;

namespace AirRemediation.Infrastructure;

/// <summary>The one place Engine errors become ErrorRecords: a stable ErrorId per kind and a real category.</summary>
internal static class AirErrors
{
    public static ErrorRecord ToRecord(AirException e, object? target = null)
    {
        // A fresh exception with the message only: the Engine's inner exceptions may hold service text or stack
        // detail that has no place in an admin's error stream.
        var ex = new AirRemediationException(e.Message, e.Kind.ToString(), e.ServiceCode, e.HttpStatus);
        var record = new ErrorRecord(ex, "Air" + e.Kind, Category(e.Kind), target ?? e.Target);
        return record;
    }

    public static ErrorRecord InvalidInput(string message, string errorId, object? target) =>
        new(new AirRemediationException(message, nameof(AirErrorKind.InvalidInput), null, null), errorId, ErrorCategory.InvalidArgument, target);

    private static ErrorCategory Category(AirErrorKind kind) => kind switch
    {
        AirErrorKind.NotConnected => ErrorCategory.ConnectionError,
        AirErrorKind.InvalidInput => ErrorCategory.InvalidArgument,
        AirErrorKind.AuthenticationFailed => ErrorCategory.AuthenticationError,
        AirErrorKind.EndpointUnreachable => ErrorCategory.ConnectionError,
        AirErrorKind.AccessDenied => ErrorCategory.PermissionDenied,
        AirErrorKind.ApprovalRefused => ErrorCategory.PermissionDenied,
        AirErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        AirErrorKind.MailboxNotRestEnabled => ErrorCategory.ResourceUnavailable,
        AirErrorKind.Throttled => ErrorCategory.LimitsExceeded,
        AirErrorKind.LimitReached => ErrorCategory.LimitsExceeded,
        AirErrorKind.ServiceError => ErrorCategory.ResourceUnavailable,
        AirErrorKind.InvalidState => ErrorCategory.InvalidOperation,
        AirErrorKind.Expired => ErrorCategory.InvalidOperation,
        AirErrorKind.Conflict => ErrorCategory.ResourceBusy,
        AirErrorKind.StoreUnavailable => ErrorCategory.ResourceUnavailable,
        AirErrorKind.Cancelled => ErrorCategory.OperationStopped,
        AirErrorKind.Tampered => ErrorCategory.SecurityError,
        _ => ErrorCategory.NotSpecified,
    };
}
