using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Exchange;

/// <summary>
/// The admin API's error, in the shape rknightion/graph2otel pinned from a live tenant (internal/exoclient/errors_test.go,
/// captured 2026-07-23): HTTP 400 for almost every cmdlet failure (a missing object included, never 404), 403 for RBAC;
/// <c>error.code</c> "BadRequest" and <c>error.message</c> always the literal "Invalid Operation"; the cmdlet's own text
/// only in <c>error.details[0].message</c> as "|Full.Exception.Type|text" and/or in
/// <c>error.innererror.internalexception</c> {message, type}. Clients must classify by the exception type, not the status.
/// </summary>
public static class ExchangeErrors
{
    public const string InvalidOperation = "Invalid Operation";

    /// <param name="withDetails">Live, some failures carry details[] and innererror, others (a parameter transformation) innererror only.</param>
    public static ApiResponse Create(int status, string exceptionType, string message, bool withDetails = true)
    {
        var error = new JsonObject
        {
            ["code"] = "BadRequest",
            ["message"] = InvalidOperation,
        };
        if (withDetails)
            error["details"] = new JsonArray(new JsonObject { ["code"] = "Client", ["target"] = "", ["message"] = $"|{exceptionType}|{message}" });
        error["innererror"] = new JsonObject
        {
            ["message"] = InvalidOperation,
            ["type"] = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
            ["stacktrace"] = "",
            ["internalexception"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = exceptionType,
                ["stacktrace"] = "",
            },
        };
        return ApiResponse.Json(status, new JsonObject { ["error"] = error });
    }

    /// <summary>A missing object: 400 (not 404) with ManagementObjectNotFoundException.</summary>
    public static ApiResponse NotFound(string message) =>
        Create(400, "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", message);

    public static ApiResponse BadParameter(string message) =>
        Create(400, "Microsoft.Exchange.Management.Tasks.ParameterBindingException", message);

    /// <summary>An unknown parameter name: live "Parameter set cannot be resolved … Invalid cmdlet parameters specified. &lt;Name&gt;".</summary>
    public static ApiResponse UnknownParameter(IEnumerable<string> names) =>
        Create(400, "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException",
            "Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. " + string.Join(", ", names));

    public static ApiResponse Task(string message) =>
        Create(400, "Microsoft.Exchange.Configuration.Tasks.TaskException", message);

    public static ApiResponse CommandNotFound(string name) =>
        Create(400, "System.Management.Automation.CommandNotFoundException",
            $"The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program.");

    public static ApiResponse Unauthorized(string reason) =>
        Create(401, "System.UnauthorizedAccessException", reason);

    /// <summary>What Exchange says, word for word, about a nextLink it no longer honours.</summary>
    public const string PaginationExpiredText = "Expired or Invalid pagination request. Default Expiry time is 00:30:00";

    /// <summary>
    /// A refused nextLink, as captured live in Microsoft Q&amp;A 1023619 (the body graph2otel also met): 400, innererror
    /// only (no details[]), internalexception type System.Exception. The text names 30 minutes whatever the lifetime.
    /// </summary>
    public static ApiResponse PaginationExpired() =>
        Create(400, "System.Exception", PaginationExpiredText, withDetails: false);

    /// <summary>
    /// The RBAC refusal as graph2otel captured it live for an app with Exchange.ManageAsApp but no directory role: 403
    /// with a body that is not JSON at all, a run of NUL bytes (FaultSettings.ExchangeForbiddenNulBody turns it on).
    /// </summary>
    public static ApiResponse ForbiddenNulBody() => ApiResponse.PlainText(403, new string('\0', 512));

    public static ApiResponse Forbidden(string? why = null) =>
        Create(403, "Microsoft.Exchange.Configuration.Tasks.RbacAccessDeniedException",
            why ?? "The user or app is not assigned to any management roles that allow this cmdlet (needs Exchange.ManageAsApp and a directory role, or an Exchange-capable admin role).");
}
