using System.Text.Json.Nodes;
using AirRemediation.Engine.Kinds.DisableForwarding;
using Xunit;

namespace AirRemediation.Engine.Tests.Forwarding;

/// <summary>What counts as forwarding, and what counts as outside the organisation.</summary>
public sealed class ForwardingRulesTests
{
    [Fact]
    public void Targets_come_from_all_three_forwarding_actions_as_collections_or_as_one_recipient()
    {
        var rule = JsonNode.Parse("""
            {"actions":{"forwardTo":[{"emailAddress":{"address":"a@x.example"}}],
                        "forwardAsAttachmentTo":[{"emailAddress":{"address":"b@y.example"}},{"emailAddress":{"address":"A@x.example"}}],
                        "redirectTo":{"emailAddress":{"address":"c@z.example"}},
                        "moveToFolder":"inbox"}}
            """)!.AsObject();
        Assert.Equal(["a@x.example", "b@y.example", "c@z.example"], ForwardingDiscovery.Targets(rule));
        Assert.Empty(ForwardingDiscovery.Targets(JsonNode.Parse("""{"actions":{"markAsRead":true}}""")!.AsObject()));
    }

    [Theory]
    [InlineData("alex@contoso.com", false)]
    [InlineData("ALEX@Contoso.COM", false)]
    [InlineData("x@sub.fabrikam.com", false)]
    [InlineData("x@fabrikam.com", false)]
    [InlineData("x@contoso.com.evil.example", true)]
    [InlineData("x@notcontoso.com", true)]
    [InlineData("x@gmail.example", true)]
    [InlineData("/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=alex", false)]
    public void External_means_outside_every_accepted_domain(string address, bool external)
    {
        var domains = new DomainSet(["contoso.com", "contoso.onmicrosoft.com", "*.fabrikam.com"], "test");
        Assert.Equal(external, domains.IsExternal(address));
    }
}
