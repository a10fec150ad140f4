namespace AirRemediation.Engine;

/// <summary>
/// The one exception type the Engine lets reach the cmdlet layer. Its message is written for an admin:
/// it names the input or target and what is wrong, and never carries a token, secret or stack detail.
/// </summary>
public class AirException : Exception
{
    public AirException(AirErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    /// <summary>What went wrong, for the ErrorId and ErrorCategory.</summary>
    public AirErrorKind Kind { get; }

    /// <summary>The input or object the error is about (a mailbox, a URL entry, an action id), if any.</summary>
    public string? Target { get; }

    /// <summary>The service's own error code (Graph's <c>error.code</c>, an AADSTS number), when there is one.</summary>
    public string? ServiceCode { get; init; }

    /// <summary>The HTTP status the service answered with, when the error came from a response.</summary>
    public int? HttpStatus { get; init; }
}
