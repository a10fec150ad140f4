using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Exchange;

/// <summary>
/// The admin API's OData error: {"error":{"code","message","details":[{"code","target","message"}],"innererror":{...}}}.
/// Clients read error.details[].message, error.message or error.innererror.internalexception.message (CIPP does all three).
/// </summary>
public static class ExchangeErrors
{
    public static ApiResponse Create(int status, string code, string exceptionType, string message)
    {
        var full = $"|{exceptionType}|{message}";
        return ApiResponse.Json(status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = full,
                ["details"] = new JsonArray(new JsonObject { ["code"] = "Context", ["target"] = "", ["message"] = message }),
                ["innererror"] = new JsonObject
                {
                    ["message"] = full,
                    ["type"] = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                    ["internalException"] = new JsonObject
                    {
                        ["message"] = message,
                        ["type"] = exceptionType,
                        ["stacktrace"] = "",
                    },
                },
            },
        });
    }

    public static ApiResponse NotFound(string message) =>
        Create(404, "NotFound", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", message);

    public static ApiResponse BadParameter(string message) =>
        Create(400, "BadRequest", "Microsoft.Exchange.Management.Tasks.ParameterBindingException", message);

    public static ApiResponse Task(string message) =>
        Create(400, "BadRequest", "Microsoft.Exchange.Configuration.Tasks.TaskException", message);

    public static ApiResponse Unauthorized(string reason) =>
        Create(401, "Unauthorized", "System.UnauthorizedAccessException", reason);

    public static ApiResponse Forbidden() =>
        Create(403, "Forbidden", "Microsoft.Exchange.Configuration.Tasks.RbacAccessDeniedException",
            "The user or app is not assigned to any management roles that allow this cmdlet (needs Exchange.ManageAsApp and a directory role, or an Exchange-capable admin role).");
}
