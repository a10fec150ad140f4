using System.Net.Sockets;
using AirRemediation.Engine.Diagnostics;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;

namespace AirRemediation.Engine.Http;

/// <summary>Turns whatever a Graph call threw into a classified <see cref="ServiceCallException"/>.</summary>
internal static class ServiceErrorClassifier
{
    private static readonly HashSet<string> NotRestEnabledCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI", "ErrorMailboxNotEnabledForRESTAPI",
    };

    /// <summary>Null when the exception is not a service failure (a bug, or the caller's own cancellation): rethrow those.</summary>
    public static ServiceCallException? Classify(Exception e, DateTimeOffset now, CancellationToken callerToken)
    {
        switch (e)
        {
            case ServiceCallException s:
                return s;
            case OperationCanceledException when callerToken.IsCancellationRequested:
                return null;
            case OperationCanceledException oce:
                return new ServiceCallException(FailureKind.Transient, null, "Timeout", "The request timed out.", null, oce);
            case HttpRequestException or IOException or SocketException:
                return new ServiceCallException(FailureKind.Transient, null, "ConnectionFailed",
                    "The connection failed before a response arrived: " + SecretRedactor.Redact(e.Message), null, e);
            case ApiException api:
            {
                var status = api.ResponseStatusCode;
                string? code = null;
                var message = api.Message;
                if (api is ODataError odata)
                {
                    code = odata.Error?.Code;
                    message = odata.Error?.Message ?? message;
                }
                var retryAfterHeader = Header(api.ResponseHeaders, "Retry-After");
                return FromStatus(status, code, SecretRedactor.Redact(message), retryAfterHeader, now, api);
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// A failed raw Graph answer as a classified exception: the code and message of its <c>error</c> object when the
    /// body has one (redacted), else <paramref name="fallbackMessage"/>; its Retry-After when present.
    /// </summary>
    public static ServiceCallException FromResponse(HttpResponseMessage response, string body, string fallbackMessage, DateTimeOffset now)
    {
        string? code = null, message = null;
        try
        {
            if (JsonNode.Parse(body)?["error"] is JsonObject e) { code = (string?)e["code"]; message = (string?)e["message"]; }
        }
        catch (JsonException)
        {
            // Not JSON (an HTML error page, an empty or NUL-filled body): the status decides alone.
        }
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var ra) ? ra.FirstOrDefault() : null;
        return FromStatus((int)response.StatusCode, code, SecretRedactor.Redact(message ?? fallbackMessage), retryAfter, now);
    }

    public static ServiceCallException FromStatus(int status, string? code, string message, string? retryAfterHeader, DateTimeOffset now, Exception? inner = null)
    {
        var (_, retryAfter) = RetryAfterParser.Parse(retryAfterHeader, now);
        var kind = status switch
        {
            429 => FailureKind.Throttled,
            401 => FailureKind.Unauthorized,
            403 => FailureKind.Forbidden,
            404 when code is not null && NotRestEnabledCodes.Contains(code) => FailureKind.MailboxNotRestEnabled,
            404 => FailureKind.NotFound,
            >= 500 => FailureKind.Transient,
            408 => FailureKind.Transient,
            _ when code is not null && NotRestEnabledCodes.Contains(code) => FailureKind.MailboxNotRestEnabled,
            _ => FailureKind.Rejected,
        };
        return new ServiceCallException(kind, status, code, message, retryAfter, inner) { RetryAfterRaw = retryAfterHeader };
    }

    private static string? Header(IDictionary<string, IEnumerable<string>>? headers, string name)
    {
        if (headers is null) return null;
        foreach (var (k, v) in headers)
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return v.FirstOrDefault();
        return null;
    }
}
