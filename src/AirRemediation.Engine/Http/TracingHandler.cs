using System.Diagnostics;
using AirRemediation.Engine.Diagnostics;

namespace AirRemediation.Engine.Http;

/// <summary>
/// Writes one verbose line per HTTP call (method, path, status, milliseconds, retry number) and, at debug level,
/// the request ids the service returned. Never headers or bodies: those carry tokens and secrets.
/// </summary>
internal sealed class TracingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var log = AirLog.Current;
        var attempt = HttpAttempt.Current;
        var path = Describe(request.RequestUri);
        var sw = Stopwatch.StartNew();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            log.Verbose($"HTTP {request.Method} {path} -> {(int)response.StatusCode} ({sw.ElapsedMilliseconds} ms, retry {attempt})");
            var requestId = First(response, "request-id") ?? First(response, "x-ms-request-id") ?? First(response, "client-request-id");
            if (requestId is not null) log.Debug($"HTTP {request.Method} {path} request-id {requestId}");
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            log.Verbose($"HTTP {request.Method} {path} -> {(e is TaskCanceledException ? "timeout/cancelled" : "connection failed")} ({sw.ElapsedMilliseconds} ms, retry {attempt})");
            throw;
        }
    }

    /// <summary>Host-relative path and query, with secret-bearing query values masked.</summary>
    internal static string Describe(Uri? uri) =>
        uri is null ? "?" : SecretRedactor.Redact(Uri.UnescapeDataString(uri.PathAndQuery));

    private static string? First(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
}
