using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Forwarding;

/// <summary>Where "inside the organisation" comes from: Exchange's accepted domains, Graph's verified domains as the fallback.</summary>
public sealed class AcceptedDomainsTests
{
    [Fact]
    public async Task Accepted_domains_come_from_Get_AcceptedDomain()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var domains = await Discovery(session, new RetryOptions()).AcceptedDomainsAsync(default);
        Assert.Equal("Get-AcceptedDomain", domains.Source);
        Assert.Contains("contoso.com", domains.Domains);
        Assert.Contains("contoso.onmicrosoft.com", domains.Domains);
    }

    [Fact]
    public async Task When_Exchange_cannot_answer_the_verified_domains_from_Graph_are_used()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var options = new RetryOptions { MaxThrottleWait = TimeSpan.FromMilliseconds(200) };
        var discovery = Discovery(session, options);
        // Every tenant-wide Exchange request is anchored on the system mailbox: throttle it for longer than we may wait.
        var anchor = ExchangeAdminClient.SystemMailboxAnchor[4..] + s.TenantId;
        s.SetFaults(new FaultSettings { Storms = [new StormSpec { Mailboxes = [anchor], RetryAfterSeconds = 30, DurationSeconds = 60 }] });

        var domains = await discovery.AcceptedDomainsAsync(default);

        Assert.Equal("Graph /domains", domains.Source);
        Assert.Contains("contoso.com", domains.Domains);
        Assert.True(domains.IsExternal("someone@exfil.example"));
        Assert.False(domains.IsExternal("alex@contoso.com"));
    }

    private static ForwardingDiscovery Discovery(AirSession session, RetryOptions options)
    {
        var caller = SimulatedTenant.Caller(session, options);
        return new ForwardingDiscovery(new ExchangeAdminClient(session, caller), new RulesApi(session), caller);
    }
}
