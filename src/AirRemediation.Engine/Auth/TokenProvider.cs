using System.Collections.Concurrent;
using Azure.Core;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Hands out bearer tokens for Graph and Exchange from one credential, and renews each before it expires:
/// a quarter of its lifetime ahead, at most five minutes, so a long run never sends an expired token even
/// when tokens live only a minute.
/// </summary>
internal sealed class TokenProvider(TokenCredential credential, CloudEnvironment cloud, TimeProvider clock)
{
    private readonly ConcurrentDictionary<ServiceKind, Cached> cache = new();
    private readonly ConcurrentDictionary<ServiceKind, SemaphoreSlim> gates = new();

    private sealed record Cached(AccessToken Token, DateTimeOffset AcquiredAt);

    public TokenCredential Credential => credential;

    public string ScopeFor(ServiceKind kind) => kind == ServiceKind.Graph ? cloud.GraphScope : cloud.ExchangeScope;

    public DateTimeOffset? ExpiresOn(ServiceKind kind) => cache.TryGetValue(kind, out var c) ? c.Token.ExpiresOn : null;

    public async ValueTask<string> GetAsync(ServiceKind kind, CancellationToken ct, bool forceRefresh = false)
    {
        if (!forceRefresh && cache.TryGetValue(kind, out var c) && Fresh(c)) return c.Token.Token;
        var gate = gates.GetOrAdd(kind, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!forceRefresh && cache.TryGetValue(kind, out c) && Fresh(c)) return c.Token.Token;
            var now = clock.GetUtcNow();
            AccessToken token;
            try
            {
                token = await credential.GetTokenAsync(new TokenRequestContext([ScopeFor(kind)]), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not AirException and not OperationCanceledException)
            {
                throw AuthErrorMapper.Map(e, kind);
            }
            cache[kind] = new Cached(token, now);
            return token.Token;
        }
        finally
        {
            gate.Release();
        }
    }

    private bool Fresh(Cached c)
    {
        var lifetime = c.Token.ExpiresOn - c.AcquiredAt;
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, Math.Max(0, lifetime.Ticks / 4)));
        return clock.GetUtcNow() < c.Token.ExpiresOn - margin;
    }

    public void Clear() => cache.Clear();
}
