using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>Tenant Allow/Block List failures, in words an admin can act on.</summary>
internal static class UrlBlockErrors
{
    public static AirException List(ServiceCallException e) => new(e.ToErrorKind(),
        e.Kind == FailureKind.Forbidden
            ? $"The Tenant Allow/Block List could not be read (403): the identity needs Exchange.ManageAsApp and the Security Administrator/Operator role (or Organization Management). {e.Message}"
            : $"The Tenant Allow/Block List could not be read: {e.Message}") { HttpStatus = e.Status, ServiceCode = e.Code };

    /// <summary>
    /// The tenant's entry limit (500/1,000/10,000 block entries by licence). Exchange answers it with a TaskException
    /// whose text names the maximum; we match on that text (see docs/EXCHANGE-ADMIN-API.md, open questions).
    /// </summary>
    public static bool IsLimit(ServiceCallException e) =>
        e.Kind == FailureKind.Rejected
        && (e.Message.Contains("maximum number", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("exceed", StringComparison.OrdinalIgnoreCase));

    public static string Describe(ServiceCallException e) => e.Status is { } s ? $"{s} {e.Code}: {e.Message}" : $"{e.Code}: {e.Message}";
}
