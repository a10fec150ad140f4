namespace AirRemediation.Engine;

/// <summary>
/// What went wrong, in terms the cmdlet layer can map to an ErrorId and an ErrorCategory.
/// One kind per distinct thing an admin would do differently about it.
/// </summary>
public enum AirErrorKind
{
    /// <summary>Anything not covered below; avoid where a specific kind fits.</summary>
    Unknown = 0,
    /// <summary>No Connect-AirService in this session (or it was disconnected).</summary>
    NotConnected,
    /// <summary>Input that can never succeed as given (bad UPN, malformed URL entry, conflicting parameters).</summary>
    InvalidInput,
    /// <summary>The identity provider refused the sign-in (bad secret, unknown client, unknown tenant, expired certificate).</summary>
    AuthenticationFailed,
    /// <summary>An endpoint could not be reached at all (DNS, refused connection, TLS failure).</summary>
    EndpointUnreachable,
    /// <summary>The service answered 403: the identity lacks a permission or the target is outside its scope.</summary>
    AccessDenied,
    /// <summary>The target (mailbox, message, rule, URL entry, action) does not exist.</summary>
    NotFound,
    /// <summary>The mailbox exists but cannot be reached through REST (on-premises, inactive, not licensed).</summary>
    MailboxNotRestEnabled,
    /// <summary>Throttled beyond what the retry policy is allowed to wait.</summary>
    Throttled,
    /// <summary>A 5xx or timeout that survived every retry.</summary>
    ServiceError,
    /// <summary>A limit on the service side that retrying cannot fix (e.g. the Tenant Allow/Block List is full).</summary>
    LimitReached,
    /// <summary>The action is not in a state that allows the request (approve a denied action, undo a pending one).</summary>
    InvalidState,
    /// <summary>Four-eyes, role or policy refused the request.</summary>
    ApprovalRefused,
    /// <summary>A pending action passed its expiry.</summary>
    Expired,
    /// <summary>Another session holds the action (it is running elsewhere).</summary>
    Conflict,
    /// <summary>The action store could not be opened or is damaged or locked.</summary>
    StoreUnavailable,
    /// <summary>The operation was cancelled (Ctrl+C / StopProcessing).</summary>
    Cancelled,
    /// <summary>What is stored does not match what was approved or what the module writes: changed outside AirRemediation. Nothing was run.</summary>
    Tampered,
}
