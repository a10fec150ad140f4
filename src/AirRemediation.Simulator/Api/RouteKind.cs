namespace AirRemediation.Simulator.Api;

/// <summary>Which Microsoft service a route plays; decides limits and the shape of permission errors.</summary>
public enum RouteKind
{
    /// <summary>Entra directory (users, domains): Authorization_RequestDenied.</summary>
    Directory,
    /// <summary>Outlook resources (mail, folders, rules): per app + mailbox limits, ErrorAccessDenied.</summary>
    Outlook,
    /// <summary>/security: 150 requests per minute per app.</summary>
    Security,
    /// <summary>Exchange admin API (InvokeCommand).</summary>
    Exchange,
}
