namespace AirRemediation.Engine.Http;

/// <summary>What a failed service call means for the next step.</summary>
internal enum FailureKind
{
    /// <summary>429: wait Retry-After (for this mailbox), then try again.</summary>
    Throttled,
    /// <summary>5xx, timeout or dropped connection: back off and try again; a write may have been applied.</summary>
    Transient,
    /// <summary>401: the token was refused; renew it once and try again.</summary>
    Unauthorized,
    /// <summary>403: never retried.</summary>
    Forbidden,
    /// <summary>404 on the target itself.</summary>
    NotFound,
    /// <summary>The mailbox cannot be reached through REST (or has no mailbox).</summary>
    MailboxNotRestEnabled,
    /// <summary>
    /// The service refused the request because too many of the tenant's requests are in flight (Exchange's plain-text
    /// "maximum number of concurrent requests per tenant", which is not a 429): nothing was applied; back off, with every
    /// request to that service waiting the same pause, and try again.
    /// </summary>
    TenantBusy,
    /// <summary>Any other 4xx: the request itself is wrong; never retried.</summary>
    Rejected,
}
