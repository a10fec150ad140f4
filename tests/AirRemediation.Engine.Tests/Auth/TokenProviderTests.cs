using AirRemediation.Engine.Auth;
using Azure.Core;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

public class TokenProviderTests
{
    private sealed class CountingCredential(TimeProvider clock, TimeSpan lifetime) : TokenCredential
    {
        public int Calls;
        public List<string> Scopes { get; } = [];
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();
        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            lock (Scopes) Scopes.Add(requestContext.Scopes[0]);
            return ValueTask.FromResult(new AccessToken("token-" + Calls, clock.GetUtcNow() + lifetime));
        }
    }

    [Fact]
    public async Task A_token_is_reused_until_a_quarter_of_its_lifetime_is_left()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T10:00:00Z"));
        var cred = new CountingCredential(clock, TimeSpan.FromSeconds(60));
        var p = new TokenProvider(cred, CloudEnvironment.Global, clock);
        Assert.Equal("token-1", await p.GetAsync(ServiceKind.Graph, default));
        clock.Advance(TimeSpan.FromSeconds(44));
        Assert.Equal("token-1", await p.GetAsync(ServiceKind.Graph, default));
        clock.Advance(TimeSpan.FromSeconds(2));   // 14 s left of 60: inside the last quarter
        Assert.Equal("token-2", await p.GetAsync(ServiceKind.Graph, default));
    }

    [Fact]
    public async Task Long_lived_tokens_are_renewed_five_minutes_ahead()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T10:00:00Z"));
        var cred = new CountingCredential(clock, TimeSpan.FromMinutes(60));
        var p = new TokenProvider(cred, CloudEnvironment.Global, clock);
        await p.GetAsync(ServiceKind.Graph, default);
        clock.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("token-1", await p.GetAsync(ServiceKind.Graph, default));
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("token-2", await p.GetAsync(ServiceKind.Graph, default));
    }

    [Fact]
    public async Task Graph_and_Exchange_use_their_own_scopes()
    {
        var clock = new FakeTimeProvider();
        var cred = new CountingCredential(clock, TimeSpan.FromHours(1));
        var p = new TokenProvider(cred, CloudEnvironment.USGovernment, clock);
        await p.GetAsync(ServiceKind.Graph, default);
        await p.GetAsync(ServiceKind.Exchange, default);
        Assert.Equal(["https://graph.microsoft.us/.default", "https://outlook.office365.us/.default"], cred.Scopes);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_renewal()
    {
        var clock = new FakeTimeProvider();
        var cred = new CountingCredential(clock, TimeSpan.FromHours(1));
        var p = new TokenProvider(cred, CloudEnvironment.Global, clock);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => p.GetAsync(ServiceKind.Graph, default).AsTask()));
        Assert.Equal(1, cred.Calls);
    }
}
