using Azure;
using Azure.Identity;

namespace AirRemediation.Engine.Store;

/// <summary>Turns Azure Table Storage failures into StoreUnavailable errors that name the endpoint, never a key or SAS.</summary>
internal static class TableErrors
{
    /// <remarks>The Azure SDK's retry policy throws an AggregateException of every attempt's failure when all of them
    /// failed with an exception (a refused connection, say); that is a store failure when each attempt's was.</remarks>
    public static bool IsStoreFailure(Exception e) =>
        e is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException or HttpRequestException
            or TaskCanceledException { InnerException: TimeoutException }
        || (e is AggregateException { InnerExceptions.Count: > 0 } a && a.InnerExceptions.All(IsStoreFailure));

    public static AirException Map(Exception e, string endpoint)
    {
        if (e is AggregateException { InnerExceptions.Count: > 0 } attempts) return Map(attempts.InnerExceptions[^1], endpoint, e);
        return Map(e, endpoint, e);
    }

    private static AirException Map(Exception e, string endpoint, Exception inner)
    {
        string message;
        int? status = null;
        string? code = null;
        switch (e)
        {
            case RequestFailedException { Status: 0 }:
            case HttpRequestException:
            case TaskCanceledException:
                message = $"The action store at {endpoint} cannot be reached (network error or timeout). Check the endpoint and that this machine can reach it.";
                break;
            case RequestFailedException r:
                status = r.Status;
                code = r.ErrorCode;
                message = r.Status switch
                {
                    401 or 403 =>
                        $"The action store at {endpoint} refused this identity (HTTP {r.Status}{Code(r.ErrorCode)}): it needs the 'Storage Table Data Contributor' role on the account, or a connection string/SAS that allows reading, adding, updating and deleting entities and creating tables.",
                    404 => $"The action store at {endpoint} has no such table or account (HTTP 404{Code(r.ErrorCode)}). Check the endpoint and the table prefix.",
                    _ => $"The action store at {endpoint} failed (HTTP {r.Status}{Code(r.ErrorCode)}).",
                };
                break;
            case AuthenticationFailedException or CredentialUnavailableException:
                message = $"The action store at {endpoint} could not be signed in to: no token for https://storage.azure.com/ could be obtained with this session's sign-in. Grant the identity 'Storage Table Data Contributor', or use -ActionStoreConnectionString.";
                break;
            default:
                message = $"The action store at {endpoint} failed ({e.GetType().Name}).";
                break;
        }
        return new AirException(AirErrorKind.StoreUnavailable, message, endpoint, inner) { HttpStatus = status, ServiceCode = code };
    }

    private static string Code(string? code) => string.IsNullOrEmpty(code) ? "" : ", " + code;
}
