namespace AirRemediation;

/// <summary>
/// The exception inside every AirRemediation ErrorRecord. Carries the admin-facing message and the error kind;
/// never an inner exception from a service client.
/// </summary>
public sealed class AirRemediationException : Exception
{
    public AirRemediationException(string message, string kind, string? serviceCode, int? httpStatus) : base(message)
    {
        Kind = kind;
        ServiceCode = serviceCode;
        HttpStatus = httpStatus;
    }

    public AirRemediationException() : this("AirRemediation error", "Unknown", null, null) { }
    public AirRemediationException(string message) : this(message, "Unknown", null, null) { }
    public AirRemediationException(string message, Exception inner) : base(message, inner) { Kind = "Unknown"; }

    /// <summary>The Engine's error kind (NotConnected, AccessDenied, …).</summary>
    public string Kind { get; }

    /// <summary>The service's own code (Graph error code, AADSTS number), when there is one.</summary>
    public string? ServiceCode { get; }

    public int? HttpStatus { get; }
}
