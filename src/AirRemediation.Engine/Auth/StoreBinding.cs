using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// A store belongs to one tenant. The first verified session that opens a store records the tenant (and whether it was
/// verified by Microsoft Graph or by a loopback Graph, the simulator) as store settings; every later session must be of
/// that tenant and that kind of verifier, or it is refused before it reads or writes anything else in the store.
/// </summary>
/// <remarks>
/// The verifier is bound too because a loopback Graph is whoever listens on this machine's port: without it, a local
/// fake Graph could "verify" a forged token that names the production tenant and decide on a production queue.
/// The first connect wins (trust on first use); docs/SECURITY.md describes what that leaves open.
/// </remarks>
internal static class StoreBinding
{
    /// <summary>The tenant id (GUID, lower case) the store belongs to.</summary>
    public const string TenantIdKey = "TenantId";

    /// <summary>Who verified that tenant: <see cref="MicrosoftGraph"/> or <see cref="LoopbackGraph"/>.</summary>
    public const string VerifierKey = "TenantVerifier";

    public const string MicrosoftGraph = "MicrosoftGraph";
    public const string LoopbackGraph = "LoopbackGraph";

    public static string VerifierOf(AirSession session) =>
        Http.HttpPipeline.IsLoopback(session.GraphEndpoint) ? LoopbackGraph : MicrosoftGraph;

    /// <summary>Binds an unbound store to the session's verified tenant, or refuses a session of another tenant.</summary>
    public static async Task EnsureAsync(IActionStore store, AirSession session, CancellationToken ct)
    {
        var principal = session.Principal;
        var verifier = VerifierOf(session);
        var boundTenant = await store.GetSettingAsync(TenantIdKey, ct).ConfigureAwait(false);
        var boundVerifier = await store.GetSettingAsync(VerifierKey, ct).ConfigureAwait(false);
        if (boundTenant is null)
        {
            var who = new AuditContext(principal.DisplayName, principal.Kind,
                $"{session.Method}; tenant {principal.TenantId}; object {principal.ObjectId}; verified by {principal.Source} at {session.GraphEndpoint.Host}",
                "first verified sign-in to this store", Event: "StoreBound");
            await store.SetSettingAsync(VerifierKey, verifier, who, ct).ConfigureAwait(false);
            await store.SetSettingAsync(TenantIdKey, principal.TenantId, who, ct).ConfigureAwait(false);
            // Two first sign-ins of different tenants racing on a new shared store: the settings have no compare-and-set,
            // so read back what won and let the loser be refused below.
            boundTenant = await store.GetSettingAsync(TenantIdKey, ct).ConfigureAwait(false);
            boundVerifier = await store.GetSettingAsync(VerifierKey, ct).ConfigureAwait(false);
        }
        if (!string.Equals(boundTenant, principal.TenantId, StringComparison.OrdinalIgnoreCase))
            throw new StoreBindingRefusedException(
                $"The action store {session.StoreLocation} belongs to tenant {boundTenant}, and this sign-in ({principal.DisplayName}) was verified for tenant {principal.TenantId}. " +
                "A store holds one tenant's actions and approvals; connect with an identity of that tenant, or choose another store (-ActionStorePath, -ActionStoreTablePrefix).",
                session.StoreLocation);
        if (boundVerifier is not null && !string.Equals(boundVerifier, verifier, StringComparison.Ordinal))
            throw new StoreBindingRefusedException(
                $"The action store {session.StoreLocation} was bound by a sign-in verified by {Describe(boundVerifier)}, and this one was verified by {Describe(verifier)} ({session.GraphEndpoint.GetLeftPart(UriPartial.Authority)}). " +
                "A store used with Microsoft's Graph is never opened by a session checked only by a local endpoint (and the other way round); use a separate store for the simulator.",
                session.StoreLocation);
    }

    private static string Describe(string verifier) => verifier switch
    {
        MicrosoftGraph => "Microsoft Graph",
        LoopbackGraph => "a loopback Graph endpoint (the tenant simulator)",
        _ => verifier,
    };
}
