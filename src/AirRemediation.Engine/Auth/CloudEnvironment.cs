namespace AirRemediation.Engine.Auth;

/// <summary>
/// The endpoints of one Microsoft cloud. Values from Microsoft's national-cloud tables:
/// Graph and login hosts from learn.microsoft.com/graph/deployments; Exchange admin API hosts from "Get started with the
/// Exchange Online Admin API", section "Supported environments and base URLs"
/// (learn.microsoft.com/exchange/reference/admin-api-get-started): outlook.office365.com, outlook.office365.us (GCC High),
/// outlook-dod.office365.us (DoD), outlook.office365.cn (21Vianet). The token scope is the host's /.default.
/// </summary>
public sealed record CloudEnvironment(string Name, Uri Graph, Uri Authority, Uri Exchange)
{
    public static readonly CloudEnvironment Global = new(
        "Global", new Uri("https://graph.microsoft.com/v1.0"), new Uri("https://login.microsoftonline.com/"), new Uri("https://outlook.office365.com/"));

    public static readonly CloudEnvironment USGovernment = new(
        "USGovernment", new Uri("https://graph.microsoft.us/v1.0"), new Uri("https://login.microsoftonline.us/"), new Uri("https://outlook.office365.us/"));

    public static readonly CloudEnvironment USGovernmentDoD = new(
        "USGovernmentDoD", new Uri("https://dod-graph.microsoft.us/v1.0"), new Uri("https://login.microsoftonline.us/"), new Uri("https://outlook-dod.office365.us/"));

    public static readonly CloudEnvironment China = new(
        "China", new Uri("https://microsoftgraph.chinacloudapi.cn/v1.0"), new Uri("https://login.chinacloudapi.cn/"), new Uri("https://outlook.office365.cn/"));

    public static IReadOnlyList<CloudEnvironment> All { get; } = [Global, USGovernment, USGovernmentDoD, China];

    public static CloudEnvironment Parse(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new AirException(AirErrorKind.InvalidInput,
            $"Unknown environment '{name}'. Use one of: {string.Join(", ", All.Select(e => e.Name))}.", name);

    /// <summary>The token scope for Graph: the Graph host with <c>/.default</c>, as every Microsoft cloud issues it.</summary>
    public string GraphScope => $"{Graph.GetLeftPart(UriPartial.Authority)}/.default";

    /// <summary>The token scope for the Exchange admin API.</summary>
    public string ExchangeScope => $"{Exchange.GetLeftPart(UriPartial.Authority)}/.default";
}
