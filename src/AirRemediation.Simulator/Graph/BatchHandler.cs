using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Graph;

/// <summary>
/// POST /v1.0/$batch: up to 20 items, each run through the same pipeline as a single request (so auth, limits and
/// faults apply per item and a 429 item carries its own Retry-After). Graph hands at most 4 items to Outlook at a
/// time, so items run at most 4 at once; dependsOn chains wait and fail with 424 when a dependency failed.
/// </summary>
public sealed class BatchHandler(ApiPipeline pipeline)
{
    public const int MaxRequests = 20;
    const int ParallelItems = 4;

    sealed record Item(string Id, string Method, string Url, Dictionary<string, string> Headers, JsonNode? Body, string[] DependsOn);

    public async Task<ApiResponse> ExecuteAsync(ApiRequest envelope, CancellationToken ct)
    {
        var sim = pipeline.Sim;
        var auth = envelope.Header("Authorization");
        if (auth is null || !auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || sim.Tokens.Validate(auth[7..].Trim(), out _) is null)
        {
            var reason = auth is null ? "Access token is empty." : "Access token validation failure.";
            if (auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) sim.Tokens.Validate(auth[7..].Trim(), out reason);
            return GraphErrors.Create(401, "InvalidAuthenticationToken", reason, envelope, sim.Clock);
        }

        List<Item> items;
        try
        {
            items = Parse(envelope);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException)
        {
            return GraphErrors.BadRequest(envelope, "Invalid batch payload format.");
        }
        if (items.Count == 0) return GraphErrors.BadRequest(envelope, "Invalid batch payload format.");
        if (items.Count > MaxRequests) return GraphErrors.BadRequest(envelope, $"The number of requests in the batch ({items.Count}) exceeds the limit of {MaxRequests}.");
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var i in items)
        {
            if (!ids.Add(i.Id)) return GraphErrors.BadRequest(envelope, $"Batch request contains duplicate id '{i.Id}'.");
        }
        foreach (var i in items)
        {
            if (i.DependsOn.Any(d => !ids.Contains(d) || string.Equals(d, i.Id, StringComparison.OrdinalIgnoreCase)))
            {
                return GraphErrors.BadRequest(envelope, $"Request '{i.Id}' depends on an id that is not in the batch.");
            }
        }

        if (HasCycle(items)) return GraphErrors.BadRequest(envelope, "Batch dependsOn contains a cycle.");

        var gate = new SemaphoreSlim(ParallelItems);
        var tasks = new Dictionary<string, Task<ApiResponse>>(StringComparer.OrdinalIgnoreCase);
        var results = new Dictionary<string, ApiResponse>(StringComparer.OrdinalIgnoreCase);
        Task<ApiResponse> Run(Item item)
        {
            if (tasks.TryGetValue(item.Id, out var existing)) return existing;
            var deps = item.DependsOn.Select(d => Run(items.First(x => string.Equals(x.Id, d, StringComparison.OrdinalIgnoreCase)))).ToArray();
            var t = RunItemAsync(envelope, item, deps, gate, ct);
            tasks[item.Id] = t;
            return t;
        }
        foreach (var i in items) _ = Run(i);
        await Task.WhenAll(tasks.Values).ConfigureAwait(false);

        var responses = new JsonArray();
        foreach (var i in items)
        {
            var r = await tasks[i.Id].ConfigureAwait(false);
            // A dropped connection during an item drops the whole batch response (the items already applied stay applied).
            if (r.AbortConnection) return r;
            results[i.Id] = r;
            var headers = new JsonObject();
            foreach (var (k, v) in r.Headers) headers[k] = v;
            if (r.Body is not null)
            {
                headers["Content-Type"] = r.Status < 400
                    ? "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
                    : "application/json";
            }
            headers["Cache-Control"] = "no-cache";
            var o = new JsonObject { ["id"] = i.Id, ["status"] = r.Status, ["headers"] = headers };
            if (r.Body is not null) o["body"] = r.Body.DeepClone();
            responses.Add(o);
        }
        return ApiResponse.Json(200, new JsonObject { ["responses"] = responses });
    }

    async Task<ApiResponse> RunItemAsync(ApiRequest envelope, Item item, Task<ApiResponse>[] deps, SemaphoreSlim gate, CancellationToken ct)
    {
        if (deps.Length > 0)
        {
            var depResults = await Task.WhenAll(deps).ConfigureAwait(false);
            if (depResults.Any(d => d.Status >= 400 || d.AbortConnection))
            {
                return GraphErrors.Create(424, "FailedDependency", "The request could not be executed because a request it depends on failed.", envelope, pipeline.Sim.Clock);
            }
        }
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var req = ToRequest(envelope, item, out var error);
            if (error is not null) return error;
            return await pipeline.ExecuteAsync(req!, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    static bool HasCycle(List<Item> items)
    {
        var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        bool Visit(Item i)
        {
            var s = state.GetValueOrDefault(i.Id);
            if (s == 1) return true;
            if (s == 2) return false;
            state[i.Id] = 1;
            foreach (var d in i.DependsOn)
            {
                if (Visit(items.First(x => string.Equals(x.Id, d, StringComparison.OrdinalIgnoreCase)))) return true;
            }
            state[i.Id] = 2;
            return false;
        }
        return items.Any(Visit);
    }

    static List<Item> Parse(ApiRequest envelope)
    {
        var root = envelope.ParseBody()?.AsObject() ?? throw new JsonException("empty");
        var list = new List<Item>();
        foreach (var n in root["requests"]!.AsArray())
        {
            var o = n!.AsObject();
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (o["headers"] is JsonObject h)
            {
                foreach (var (k, v) in h) headers[k] = v?.ToString() ?? "";
            }
            var depends = o["dependsOn"] is JsonArray d ? d.Select(x => x!.GetValue<string>()).ToArray() : [];
            list.Add(new Item(
                o["id"]!.GetValue<string>(),
                o["method"]!.GetValue<string>().ToUpperInvariant(),
                o["url"]!.GetValue<string>(),
                headers,
                o["body"]?.DeepClone(),
                depends));
        }
        return list;
    }

    static ApiRequest? ToRequest(ApiRequest envelope, Item item, out ApiResponse? error)
    {
        error = null;
        var url = item.Url.TrimStart('/');
        if (url.StartsWith("v1.0/", StringComparison.OrdinalIgnoreCase)) url = url[5..];
        if (url.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            error = GraphErrors.BadRequest(envelope, "Invalid request URL: batch requests must use relative URLs.");
            return null;
        }
        var q = url.IndexOf('?', StringComparison.Ordinal);
        var pathPart = q < 0 ? url : url[..q];
        var queryPart = q < 0 ? "" : url[(q + 1)..];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in queryPart.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            var k = Uri.UnescapeDataString((eq < 0 ? kv : kv[..eq]).Replace('+', ' '));
            var v = eq < 0 ? "" : Uri.UnescapeDataString(kv[(eq + 1)..].Replace('+', ' '));
            query[k] = v;
        }
        var headers = new Dictionary<string, string>(item.Headers, StringComparer.OrdinalIgnoreCase)
        {
            ["Authorization"] = envelope.Header("Authorization")!,
        };
        if (item.Body is not null && !headers.ContainsKey("Content-Type"))
        {
            error = GraphErrors.BadRequest(envelope, "Content-Type header must be specified for a request with a body.");
            return null;
        }
        return new ApiRequest
        {
            Method = item.Method,
            Segments = [.. pathPart.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString)],
            Query = query,
            Headers = headers,
            Body = item.Body is null ? null : Encoding.UTF8.GetBytes(item.Body.ToJsonString()),
            ServiceRoot = envelope.ServiceRoot,
            RelativeUrl = "/" + url,
            IsBatchItem = true,
        };
    }
}
