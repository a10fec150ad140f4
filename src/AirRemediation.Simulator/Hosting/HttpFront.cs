using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.Graph;
using AirRemediation.Simulator.Identity;
using AirRemediation.Simulator.Observability;
using Microsoft.AspNetCore.Http;

namespace AirRemediation.Simulator.Hosting;

/// <summary>
/// The one middleware: sorts a raw HTTP request into identity, Graph (/v1.0), Exchange (/adminapi) or /_simulator,
/// turns Graph/Exchange requests into ApiRequests for the shared pipeline, and writes ApiResponses back.
/// </summary>
public sealed class HttpFront(
    SimulatorContext sim,
    IdentityEndpoints identity,
    ApiPipeline graph,
    ApiPipeline exchange,
    BatchHandler batch,
    AdminEndpoints admin,
    Func<string> httpsBase,
    bool verbose)
{
    const int MaxBody = 16 * 1024 * 1024;

    public async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        // ASP.NET Core decodes every escape in the path except %2F, so that an escaped slash stays inside its segment.
        // Decode it after splitting: ids are base64 (inbox rule ids contain '/'), and Graph accepts them escaped.
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(x => x.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase)).ToArray();
        var method = http.Request.Method;
        ApiResponse response;
        try
        {
            response = await RouteAsync(http, method, segments).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A simulator bug must show up as what it is, not as a plausible Microsoft answer.
            await Console.Error.WriteLineAsync($"[simulator] {method} {path} failed: {e}").ConfigureAwait(false);
            response = ApiResponse.Json(500, new JsonObject { ["error"] = new JsonObject { ["code"] = "SimulatorBug", ["message"] = e.GetType().Name + ": " + e.Message } });
        }
        if (verbose)
        {
            // Path and status only: query strings and bodies can carry codes and tokens.
            await Console.Error.WriteLineAsync($"[simulator] {method} {path} -> {(response.AbortConnection ? "aborted" : response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}").ConfigureAwait(false);
        }
        if (response.AbortConnection)
        {
            http.Abort();
            return;
        }
        await WriteAsync(http, response, segments.Length > 0 && segments[0] == "v1.0").ConfigureAwait(false);
    }

    async Task<ApiResponse> RouteAsync(HttpContext http, string method, string[] s)
    {
        if (s.Length == 0) return ApiResponse.Json(404, new JsonObject { ["error"] = "not_found" });
        if (s[0] == "v1.0")
        {
            var req = await ToApiRequestAsync(http, s[1..], "/v1.0").ConfigureAwait(false);
            if (s.Length == 2 && s[1] == "$batch")
            {
                return method == "POST" ? await batch.ExecuteAsync(req, http.RequestAborted).ConfigureAwait(false)
                    : GraphErrors.Create(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", req, sim.Clock);
            }
            return await graph.ExecuteAsync(req, http.RequestAborted).ConfigureAwait(false);
        }
        if (s[0] == "adminapi")
        {
            var req = await ToApiRequestAsync(http, s[1..], "/adminapi").ConfigureAwait(false);
            return await exchange.ExecuteAsync(req, http.RequestAborted).ConfigureAwait(false);
        }
        if (s.Length == 4 && s[1] == "oauth2" && s[2] == "v2.0" && method == "POST")
        {
            var form = await ReadFormAsync(http).ConfigureAwait(false);
            if (s[3] == "token") return identity.Token(s[0], form, httpsBase());
            if (s[3] == "devicecode") return identity.DeviceCode(s[0], form, httpsBase());
        }
        if (s is ["msi", "token"] && method == "GET")
        {
            return identity.AppServiceManagedIdentity(Query(http), h => http.Request.Headers.TryGetValue(h, out var v) ? v.ToString() : null);
        }
        if (s is ["metadata", "identity", "oauth2", "token"] && method == "GET")
        {
            return identity.Imds(Query(http), h => http.Request.Headers.TryGetValue(h, out var v) ? v.ToString() : null);
        }
        if (s is ["devicelogin"])
        {
            return ApiResponse.Json(200, new JsonObject { ["message"] = "Device codes are approved automatically by the scenario's deviceCodeUser." });
        }
        if (s[0] == "_simulator")
        {
            var body = await ReadBodyAsync(http).ConfigureAwait(false);
            return admin.Handle(method, s[1..], Query(http), body);
        }
        return ApiResponse.Json(404, new JsonObject { ["error"] = "not_found", ["path"] = http.Request.Path.Value });
    }

    static Dictionary<string, string> Query(HttpContext http) =>
        http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);

    static async Task<Dictionary<string, string>> ReadFormAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType) return new Dictionary<string, string>(StringComparer.Ordinal);
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        return form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
    }

    static async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > MaxBody) throw new BadHttpRequestException("Request body too large.", 413);
        }
        return ms.ToArray();
    }

    async Task<ApiRequest> ToApiRequestAsync(HttpContext http, string[] segments, string root)
    {
        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in http.Request.Headers) headers[h.Key] = h.Value.ToString();
        var relative = (http.Request.Path.Value ?? "")[root.Length..] + http.Request.QueryString.Value;
        return new ApiRequest
        {
            Method = http.Request.Method,
            Segments = segments,
            Query = Query(http),
            Headers = headers,
            Body = body,
            ServiceRoot = $"{http.Request.Scheme}://{http.Request.Host.Value}{root}",
            RelativeUrl = relative,
        };
    }

    static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    static async Task WriteAsync(HttpContext http, ApiResponse r, bool graph)
    {
        http.Response.StatusCode = r.Status;
        foreach (var (k, v) in r.Headers) http.Response.Headers[k] = v;
        http.Response.Headers["Cache-Control"] = "no-cache";
        if (graph)
        {
            var requestId = http.Request.Headers.TryGetValue("client-request-id", out var crid) ? crid.ToString() : Guid.NewGuid().ToString();
            http.Response.Headers["request-id"] = requestId;
            http.Response.Headers["client-request-id"] = requestId;
        }
        if (r.Text is not null)
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(r.Text, http.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (r.Body is null) return;
        http.Response.ContentType = graph && r.Status < 400
            ? "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
            : "application/json; charset=utf-8";
        await http.Response.WriteAsync(r.Body.ToJsonString(Compact), http.RequestAborted).ConfigureAwait(false);
    }
}
