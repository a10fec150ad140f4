namespace AirRemediation.Simulator.Api;

/// <summary>One operation: method + path template ({name} segments are parameters) + what it needs.</summary>
public sealed class Route
{
    public required string Method { get; init; }
    public required string[] Template { get; init; }
    public required RouteKind Kind { get; init; }
    public required Func<RouteContext, ApiResponse> Handler { get; init; }
    /// <summary>Any one of these permissions suffices (app role for app tokens, scp for delegated). Empty = none needed.</summary>
    public string[] Permissions { get; init; } = [];
    public bool AppOnly { get; init; }
    /// <summary>For delegated /security calls: the user also needs one of these directory roles (template ids).</summary>
    public string[] DelegatedRoles { get; init; } = [];
    /// <summary>Extra mailbox keys that a 429 storm can target (Exchange cmdlets name mailboxes in the body).</summary>
    public Func<RouteContext, IEnumerable<string>>? StormKeys { get; init; }

    public static string[] Parse(string template) => template.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
