using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Identity;

/// <summary>Errors in Entra's token endpoint shape. Descriptions never contain a secret the client sent.</summary>
public static class EntraErrors
{
    public static ApiResponse Create(TimeProvider clock, int status, string error, int code, string text)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var trace = Guid.NewGuid().ToString();
        var correlation = Guid.NewGuid().ToString();
        var ts = now.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return ApiResponse.Json(status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {ts}".Replace(" Trace ID:", "\r\nTrace ID:", StringComparison.Ordinal),
            ["error_codes"] = new JsonArray(code),
            ["timestamp"] = ts,
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
            ["error_uri"] = $"https://login.microsoftonline.com/error?code={code}",
        });
    }

    public static ApiResponse TenantNotFound(TimeProvider c, string tenant) => Create(c, 400, "invalid_request", 90002,
        $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");

    public static ApiResponse UnknownClient(TimeProvider c, string clientId, string tenantName) => Create(c, 400, "unauthorized_client", 700016,
        $"Application with identifier '{clientId}' was not found in the directory '{tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");

    public static ApiResponse BadSecret(TimeProvider c, string clientId) => Create(c, 401, "invalid_client", 7000215,
        $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.");

    public static ApiResponse NoCredential(TimeProvider c) => Create(c, 401, "invalid_client", 7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");

    public static ApiResponse BadAssertion(TimeProvider c, string reason) => Create(c, 401, "invalid_client", 700027, reason);

    public static ApiResponse BadScope(TimeProvider c, string scope) => Create(c, 400, "invalid_scope", 1002012,
        $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");

    public static ApiResponse UnknownScope(TimeProvider c, string scope) => Create(c, 400, "invalid_scope", 70011,
        $"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.");

    public static ApiResponse ConsentRequired(TimeProvider c, string clientId) => Create(c, 400, "invalid_grant", 65001,
        $"The user or administrator has not consented to use the application with ID '{clientId}'. Send an interactive authorization request for this user and resource.");

    public static ApiResponse InvalidGrant(TimeProvider c, string text) => Create(c, 400, "invalid_grant", 70000, text);

    public static ApiResponse Pending(TimeProvider c) => Create(c, 400, "authorization_pending", 70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");

    public static ApiResponse Expired(TimeProvider c) => Create(c, 400, "expired_token", 70020,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");

    public static ApiResponse UnsupportedGrant(TimeProvider c, string grant) => Create(c, 400, "unsupported_grant_type", 70003,
        $"The app requested an unsupported grant type '{grant}'.");
}
