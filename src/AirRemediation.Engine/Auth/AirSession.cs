using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;
using Microsoft.Graph;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// One signed-in connection: the credential, the endpoints, the shared HTTP pipeline, and who it is. Created by
/// <see cref="ConnectAsync"/>, which proves the token with Microsoft Graph (<see cref="Principal"/>) and checks the
/// action store's tenant before returning.
/// </summary>
public sealed class AirSession : IDisposable
{
    private readonly HttpMessageHandler handler;
    private readonly Lazy<GraphServiceClient> graphClient;
    private readonly Lazy<ServiceCaller> caller;
    private readonly SemaphoreSlim storeGate = new(1, 1);
    private IActionStore? store;
    private readonly Uri? storeTableEndpoint;
    private readonly System.Security.SecureString? storeConnectionString;
    private readonly string storeTablePrefix;
    private readonly string? tableLocation;

    private AirSession(ConnectionRequest request, CloudEnvironment cloud, Uri graph, Uri exchange, Uri authority,
        TokenProvider tokens, HttpMessageHandler handler, TimeProvider clock)
    {
        Method = request.Method;
        Cloud = cloud;
        GraphEndpoint = graph;
        ExchangeEndpoint = exchange;
        AuthorityHost = authority;
        Tokens = tokens;
        this.handler = handler;
        Clock = clock;
        ClientId = request.ClientId;
        ManagedIdentityClientId = request.ManagedIdentityClientId;
        StorePath = request.StorePath;
        storeTableEndpoint = request.StoreTableEndpoint;
        storeConnectionString = request.StoreConnectionString?.Copy();
        storeConnectionString?.MakeReadOnly();
        storeTablePrefix = request.StoreTablePrefix ?? new TableStoreOptions().TablePrefix;
        if (request.StoreTableEndpoint is not null || request.StoreConnectionString is not null)
            tableLocation = $"{TableActionStore.DescribeLocation(TableOptions())} (table prefix {storeTablePrefix})";
        ConnectedAt = clock.GetUtcNow();
        graphClient = new Lazy<GraphServiceClient>(() => GraphClientBuilder.Create(this));
        var retry = request.Retry ?? new RetryOptions();
        caller = new Lazy<ServiceCaller>(() => new ServiceCaller(retry, clock));
    }

    public SignInMethod Method { get; }
    public CloudEnvironment Cloud { get; }
    public Uri GraphEndpoint { get; }
    public Uri ExchangeEndpoint { get; }
    public Uri AuthorityHost { get; }
    public string? ClientId { get; private set; }
    public string? ManagedIdentityClientId { get; }
    public string? StorePath { get; }
    public DateTimeOffset ConnectedAt { get; }
    public TimeProvider Clock { get; }

    /// <summary>
    /// Who this session is, as Microsoft Graph confirmed it with the session's token at connect: object id, tenant,
    /// UPN or app name, app id, and the user's directory roles read from Graph. The one identity to decide on
    /// (four-eyes compares <see cref="VerifiedPrincipal.ObjectId"/> + <see cref="VerifiedPrincipal.TenantId"/>).
    /// </summary>
    public VerifiedPrincipal Principal =>
        principal ?? throw new InvalidOperationException("The session's identity has not been verified yet (AirSession.ConnectAsync verifies it before returning).");

    private VerifiedPrincipal? principal;

    /// <summary>
    /// UNVERIFIED: what the Graph token's payload says (tenant, identity, roles, scopes, <c>wids</c>), read without
    /// checking anything. Graph accepted this token at connect, so the claims are Entra's, but roles in <c>wids</c> can be
    /// stale or incomplete: decide on <see cref="Principal"/>. Kept for display (granted permissions, expiry).
    /// </summary>
    public TokenClaims GraphClaims { get; private set; } = new();

    /// <summary>UNVERIFIED: what the Exchange token says; null when no Exchange token could be had. Connect checks that its
    /// tenant and object id are the verified principal's; Exchange itself checks the rest on every call.</summary>
    public TokenClaims? ExchangeClaims { get; private set; }

    /// <summary>Why there is no Exchange token, in plain words; null when there is one.</summary>
    public string? ExchangeUnavailableReason { get; private set; }

    /// <summary>The verified tenant id (<see cref="Principal"/>).</summary>
    public string TenantId => Principal.TenantId;

    /// <summary>Verified display name: the user's UPN from Graph /me, or the application's display name (for display
    /// and the trail's readable actor; match identities on <see cref="Principal"/>, not on this string).</summary>
    public string Identity => Principal.DisplayName;

    /// <summary>Verified: a person (delegated token) rather than an application.</summary>
    public bool IsUser => Principal.IsUser;

    /// <summary>
    /// Test-only seam: the clock a session uses when <see cref="ConnectAsync"/> is given none. Nothing in the product sets
    /// it or reads it from the environment; tests set it through reflection (tests/Pester/AirTestHelpers.psm1,
    /// Set-AirTestClock) to make a pending action expire without waiting a week.
    /// </summary>
    internal static TimeProvider? TestClock;

    public DateTimeOffset? GraphTokenExpiresOn => Tokens.ExpiresOn(ServiceKind.Graph);
    public DateTimeOffset? ExchangeTokenExpiresOn => Tokens.ExpiresOn(ServiceKind.Exchange);

    internal TokenProvider Tokens { get; }
    internal HttpMessageHandler Handler => handler;
    internal GraphServiceClient Graph => graphClient.Value;

    /// <summary>The session's one retry loop: every run, sync and decision shares its mailbox gates and app-wide rate.</summary>
    internal ServiceCaller Caller => caller.Value;

    /// <summary>The action store of this session (the SQLite file at <see cref="StorePath"/>, or the default), opened on first use.</summary>
    public async Task<IActionStore> GetStoreAsync(CancellationToken ct)
    {
        if (store is not null) return store;
        await storeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (store is not null) return store;
            if (tableLocation is not null)
                store = await TableActionStore.OpenAsync(TableOptions(), Tokens.Credential, Clock, ct, handler).ConfigureAwait(false);
            else
                store = await SqliteActionStore.OpenAsync(StorePath, clock: Clock, cancellationToken: ct).ConfigureAwait(false);
            await BindStoreAsync(ct).ConfigureAwait(false);
            return store;
        }
        finally
        {
            storeGate.Release();
        }
    }

    /// <summary>The store belongs to the verified tenant (recorded on first use), or it is closed and the session refused.</summary>
    private async Task BindStoreAsync(CancellationToken ct)
    {
        var opened = store!;
        try
        {
            await StoreBinding.EnsureAsync(opened, this, ct).ConfigureAwait(false);
        }
        catch
        {
            store = null;
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the store already exists, so connect can check its tenant now (a new SQLite file is bound when
    /// first opened; connect does not create it).</summary>
    private bool StoreExists => tableLocation is not null || File.Exists(Path.GetFullPath(string.IsNullOrWhiteSpace(StorePath) ? ActionStorePaths.DefaultSqlitePath : StorePath));

    /// <summary>Where the action store is (or will be) kept: the SQLite file, or the table endpoint and prefix (never a key or SAS).</summary>
    public string StoreLocation => tableLocation ?? store?.Location ?? StorePath ?? ActionStorePaths.DefaultSqlitePath;

    /// <summary>True when the action store is a shared Azure Table Storage queue.</summary>
    public bool IsSharedStore => tableLocation is not null;

    private TableStoreOptions TableOptions() => new()
    {
        Endpoint = storeConnectionString is null ? storeTableEndpoint : null,
        ConnectionString = storeConnectionString is null ? null : CredentialFactory.Reveal(storeConnectionString),
        TablePrefix = storeTablePrefix,
    };

    /// <summary>A token for a service, renewed ahead of expiry. Internal: tokens never leave the Engine.</summary>
    internal ValueTask<string> GetTokenAsync(ServiceKind kind, CancellationToken ct, bool forceRefresh = false) =>
        Tokens.GetAsync(kind, ct, forceRefresh);

    /// <summary>
    /// Signs in and proves it: fetches the Graph token, has Microsoft Graph confirm who it belongs to
    /// (<see cref="Principal"/>), refuses a store of another tenant, then fetches the Exchange token (optional).
    /// Endpoint overrides are checked before any credential is built, so a refused endpoint never sees a request.
    /// </summary>
    public static async Task<AirSession> ConnectAsync(ConnectionRequest request, CancellationToken ct, TimeProvider? clock = null)
    {
        clock ??= TestClock ?? TimeProvider.System;
        int stores = (request.StorePath is null ? 0 : 1) + (request.StoreTableEndpoint is null ? 0 : 1) + (request.StoreConnectionString is null ? 0 : 1);
        if (stores > 1)
            throw new AirException(AirErrorKind.InvalidInput,
                "Choose one action store: -ActionStorePath (a SQLite file on this machine), -ActionStoreTableEndpoint or -ActionStoreConnectionString (a shared Azure Table Storage queue).");
        if (request.StoreTableEndpoint is not null && request.Method == SignInMethod.AccessToken)
            throw new AirException(AirErrorKind.InvalidInput,
                "-ActionStoreTableEndpoint signs in to storage with the session's credential, which -AccessToken does not provide; use -ActionStoreConnectionString with a SAS instead.");
        var cloud = CloudEnvironment.Parse(request.Environment);
        var endpoints = EndpointPolicy.Resolve(request, cloud);

        var handler = HttpPipeline.Create();
        var credential = CredentialFactory.Create(request, endpoints.Authority, endpoints.LoopbackAuthority, handler, clock);
        var session = new AirSession(request, cloud, endpoints.Graph, endpoints.Exchange, endpoints.Authority, new TokenProvider(credential, cloud, clock), handler, clock);
        try
        {
            var graphToken = await session.GetTokenAsync(ServiceKind.Graph, ct).ConfigureAwait(false);
            session.GraphClaims = TokenClaims.Parse(graphToken);
            session.principal = await new IdentityVerifier(session, request.Retry ?? new RetryOptions())
                .VerifyAsync(session.GraphClaims, request.TenantId, ct).ConfigureAwait(false);
            session.ClientId ??= session.GraphClaims.AppId;
            var who = session.principal;
            AirLog.Current.Verbose($"Microsoft Graph verified the sign-in: {who.DisplayName} ({who.Kind}, object {who.ObjectId}, tenant {who.TenantId}).");

            // A store that exists already must be this tenant's before anything else happens. One that cannot be opened
            // right now (locked, damaged, storage unreachable) does not stop the sign-in: every open checks the tenant,
            // so its first use does, and reports the store's own error.
            if (session.StoreExists)
            {
                try
                {
                    await session.GetStoreAsync(ct).ConfigureAwait(false);
                }
                catch (AirException e) when (e is not StoreBindingRefusedException)
                {
                    AirLog.Current.Warning($"The action store could not be opened to check which tenant it belongs to: {e.Message} It is checked when it is first used.");
                }
            }

            try
            {
                var exToken = await session.GetTokenAsync(ServiceKind.Exchange, ct).ConfigureAwait(false);
                var exClaims = TokenClaims.Parse(exToken);
                CheckExchangeToken(exClaims, session.principal);
                session.ExchangeClaims = exClaims;
            }
            catch (AirException e) when (e.Kind is AirErrorKind.AuthenticationFailed && e.Target != "ExchangeAccessToken")
            {
                session.ExchangeUnavailableReason = e.Message;
                AirLog.Current.Warning($"Connected to Graph, but not to Exchange Online: {e.Message} URL blocking and mailbox forwarding need Exchange.");
            }
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The Exchange token must speak for the identity Graph verified. From one credential it always does; two tokens
    /// brought with -AccessToken/-ExchangeAccessToken could name two tenants or identities, and then nothing is trusted.
    /// </summary>
    private static void CheckExchangeToken(TokenClaims exchange, VerifiedPrincipal principal)
    {
        if (!string.Equals(exchange.TenantId, principal.TenantId, StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.AuthenticationFailed,
                $"The Exchange access token is for tenant {exchange.TenantId ?? "(none)"}, but Microsoft Graph verified this sign-in for tenant {principal.TenantId}; the connection is refused.",
                "ExchangeAccessToken");
        if (!string.Equals(exchange.ObjectId, principal.ObjectId, StringComparison.OrdinalIgnoreCase))
            throw new AirException(AirErrorKind.AuthenticationFailed,
                $"The Exchange access token belongs to another identity (object {exchange.ObjectId ?? "(none)"}) than the one Microsoft Graph verified ({principal.DisplayName}, {principal.ObjectId}); the connection is refused.",
                "ExchangeAccessToken");
    }

    public void Dispose()
    {
        Tokens.Clear();
        if (store is not null)
        {
            // Flushes the journal writer; the store is an IAsyncDisposable.
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            store = null;
        }
        if (graphClient.IsValueCreated) graphClient.Value.Dispose();
        handler.Dispose();
        storeGate.Dispose();
        storeConnectionString?.Dispose();
    }
}
