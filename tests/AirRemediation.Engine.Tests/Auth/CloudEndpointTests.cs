using AirRemediation.Engine.Auth;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>
/// The Exchange admin API host of each Microsoft cloud, as Microsoft's "Get started with the Exchange Online Admin API"
/// page lists them (learn.microsoft.com/exchange/reference/admin-api-get-started, "Supported environments and base URLs"):
/// the token scope follows the host, and -ExchangeEndpoint accepts that host and no other.
/// </summary>
public sealed class CloudEndpointTests
{
    [Theory]
    [InlineData("Global", "https://outlook.office365.com/", "https://outlook.office365.com/.default")]
    [InlineData("USGovernment", "https://outlook.office365.us/", "https://outlook.office365.us/.default")]
    [InlineData("USGovernmentDoD", "https://outlook-dod.office365.us/", "https://outlook-dod.office365.us/.default")]
    [InlineData("China", "https://outlook.office365.cn/", "https://outlook.office365.cn/.default")]
    public void Each_cloud_calls_Exchange_on_its_admin_API_host_with_that_hosts_scope(string cloud, string exchange, string scope)
    {
        var c = CloudEnvironment.Parse(cloud);
        Assert.Equal(new Uri(exchange), c.Exchange);
        Assert.Equal(scope, c.ExchangeScope);
        var resolved = EndpointPolicy.Resolve(new ConnectionRequest { Method = SignInMethod.ManagedIdentity, Environment = cloud }, c);
        Assert.Equal(new Uri(exchange), resolved.Exchange);
        // An explicit override naming the cloud's own host is accepted too.
        var overridden = EndpointPolicy.Resolve(new ConnectionRequest { Method = SignInMethod.ManagedIdentity, Environment = cloud, ExchangeEndpoint = new Uri(exchange) }, c);
        Assert.Equal(new Uri(exchange), overridden.Exchange);
    }

    [Theory]
    [InlineData("USGovernmentDoD", "https://webmail.apps.mil/")]
    [InlineData("USGovernmentDoD", "https://outlook.office365.us/")]
    [InlineData("China", "https://partner.outlook.cn/")]
    [InlineData("China", "https://outlook.office365.com/")]
    public void Another_host_for_the_clouds_Exchange_is_refused_by_name(string cloud, string exchange)
    {
        var e = Assert.Throws<AirException>(() => EndpointPolicy.Resolve(
            new ConnectionRequest { Method = SignInMethod.ManagedIdentity, Environment = cloud, ExchangeEndpoint = new Uri(exchange) }, CloudEnvironment.Parse(cloud)));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("-ExchangeEndpoint", e.Message, StringComparison.Ordinal);
        Assert.Contains(CloudEnvironment.Parse(cloud).Exchange.GetLeftPart(UriPartial.Authority), e.Message, StringComparison.Ordinal);
    }
}
