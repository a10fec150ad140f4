namespace AirRemediation.Engine.Http;

/// <summary>
/// A service call that failed, classified. Thrown by the retry loop when a failure is final (permanent, or retries
/// exhausted); the executor turns it into an item outcome. Its message is the service's message, already redacted.
/// </summary>
internal sealed class ServiceCallException : Exception
{
    public ServiceCallException(FailureKind kind, int? status, string? code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Status = status;
        Code = code;
        RetryAfter = retryAfter;
    }

    public FailureKind Kind { get; }
    public int? Status { get; }
    public string? Code { get; }
    public TimeSpan? RetryAfter { get; }

    /// <summary>The Retry-After header as received (for the warning when it is unparseable or capped).</summary>
    public string? RetryAfterRaw { get; init; }

    /// <summary>
    /// A throttle of a limit of the service's own (an Exchange cmdlet's budget, such as message trace's 100 queries in 5
    /// minutes), not of the app's request rate: it does not slow the app-wide limiter.
    /// </summary>
    public bool OwnLimit { get; init; }

    /// <summary>The same failure with a Retry-After the caller worked out (the service sent none).</summary>
    public ServiceCallException WithRetryAfter(TimeSpan retryAfter) =>
        new(Kind, Status, Code, Message, retryAfter, InnerException) { RetryAfterRaw = RetryAfterRaw, OwnLimit = OwnLimit };

    /// <summary>Whether the request may have taken effect although it failed (5xx, timeout, dropped connection, 429).</summary>
    public bool MayHaveApplied => Kind is FailureKind.Transient or FailureKind.Throttled;

    public AirErrorKind ToErrorKind() => Kind switch
    {
        FailureKind.Throttled or FailureKind.TenantBusy => AirErrorKind.Throttled,
        FailureKind.Transient => AirErrorKind.ServiceError,
        FailureKind.Unauthorized => AirErrorKind.AuthenticationFailed,
        FailureKind.Forbidden => AirErrorKind.AccessDenied,
        FailureKind.NotFound => AirErrorKind.NotFound,
        FailureKind.MailboxNotRestEnabled => AirErrorKind.MailboxNotRestEnabled,
        _ => AirErrorKind.InvalidInput,
    };
}
