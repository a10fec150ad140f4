using System.Net.Http.Headers;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// One raw Graph GET of a JSON object with the session's own token, as the verifiers read Graph (the sign-in at connect,
/// an approver before a worker runs an action). Failures are classified <see cref="ServiceCallException"/>s.
/// </summary>
internal static class GraphObjectReader
{
    public static async Task<JsonObject> GetAsync(AirSession session, HttpClient http, Uri uri, CancellationToken ct)
    {
        var token = await session.GetTokenAsync(ServiceKind.Graph, ct, ServiceCaller.ForceRefreshRequested).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw ServiceErrorClassifier.FromResponse(response, text, $"HTTP {(int)response.StatusCode}", session.Clock.GetUtcNow());
        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new ServiceCallException(FailureKind.Rejected, (int)response.StatusCode, "InvalidResponse", "Graph answered with a body that is not a JSON object.");
        }
        catch (JsonException)
        {
            throw new ServiceCallException(FailureKind.Rejected, (int)response.StatusCode, "InvalidResponse", "Graph answered with a body that is not JSON.");
        }
    }
}
