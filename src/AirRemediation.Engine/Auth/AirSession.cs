using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;
using Microsoft.Graph;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// One signed-in connection: the credential, the endpoints, the shared HTTP pipeline, and what the tokens say about
/// the identity. Created by <see cref="ConnectAsync"/>, which proves the sign-in works before returning.
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

    /// <summary>What the Graph token says (tenant, identity, roles, scopes, directory roles).</summary>
    public TokenClaims GraphClaims { get; private set; } = new();

    /// <summary>What the Exchange token says; null when no Exchange token could be had.</summary>
    public TokenClaims? ExchangeClaims { get; private set; }

    /// <summary>Why there is no Exchange token, in plain words; null when there is one.</summary>
    public string? ExchangeUnavailableReason { get; private set; }

    public string TenantId => GraphClaims.TenantId ?? string.Empty;

    /// <summary>The signed-in user's UPN, or the application's display name (or id) for app-only sign-in.</summary>
    public string Identity => GraphClaims.UserPrincipalName ?? GraphClaims.AppDisplayName ?? GraphClaims.AppId ?? "unknown";

    public bool IsUser => GraphClaims.IsUser;

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
                store = await TableActionStore.OpenAsync(TableOptions(), Tokens.Credential, Clock, ct).ConfigureAwait(false);
            else
                store = await SqliteActionStore.OpenAsync(StorePath, clock: Clock, cancellationToken: ct).ConfigureAwait(false);
            return store;
        }
        finally
        {
            storeGate.Release();
        }
    }

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

    /// <summary>Signs in, fetches a Graph token (required) and an Exchange token (optional), and reads their claims.</summary>
    public static async Task<AirSession> ConnectAsync(ConnectionRequest request, CancellationToken ct, TimeProvider? clock = null)
    {
        if (clock is null)
        {
            var shifted = ShiftedClock.FromEnvironment();
            if (shifted is not null)
                AirLog.Current.Warning($"The clock is shifted by {shifted.Offset} ({ShiftedClock.Variable}); expiry and timestamps use the shifted time.");
            clock = (TimeProvider?)shifted ?? TimeProvider.System;
        }
        int stores = (request.StorePath is null ? 0 : 1) + (request.StoreTableEndpoint is null ? 0 : 1) + (request.StoreConnectionString is null ? 0 : 1);
        if (stores > 1)
            throw new AirException(AirErrorKind.InvalidInput,
                "Choose one action store: -ActionStorePath (a SQLite file on this machine), -ActionStoreTableEndpoint or -ActionStoreConnectionString (a shared Azure Table Storage queue).");
        if (request.StoreTableEndpoint is not null && request.Method == SignInMethod.AccessToken)
            throw new AirException(AirErrorKind.InvalidInput,
                "-ActionStoreTableEndpoint signs in to storage with the session's credential, which -AccessToken does not provide; use -ActionStoreConnectionString with a SAS instead.");
        var cloud = CloudEnvironment.Parse(request.Environment);
        var authority = request.AuthorityHost ?? cloud.Authority;
        if (authority.Scheme != Uri.UriSchemeHttps)
            throw new AirException(AirErrorKind.InvalidInput,
                $"-AuthorityHost '{authority}' must be an https address (Entra and the simulator both serve tokens over TLS).", authority.ToString());
        var graph = request.GraphEndpoint ?? cloud.Graph;
        var exchange = request.ExchangeEndpoint ?? cloud.Exchange;
        foreach (var (name, uri) in new[] { ("GraphEndpoint", graph), ("ExchangeEndpoint", exchange) })
        {
            if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && HttpPipeline.IsLoopback(uri)))
                throw new AirException(AirErrorKind.InvalidInput,
                    $"-{name} '{uri}' must be https (plain http is accepted only on loopback, for the simulator).", uri.ToString());
        }
        var custom = request.AuthorityHost is not null && !CloudEnvironment.All.Any(e => e.Authority == request.AuthorityHost);

        var handler = HttpPipeline.Create();
        var credential = CredentialFactory.Create(request, authority, custom, handler);
        var session = new AirSession(request, cloud, graph, exchange, authority, new TokenProvider(credential, cloud, clock), handler, clock);
        try
        {
            var graphToken = await session.GetTokenAsync(ServiceKind.Graph, ct).ConfigureAwait(false);
            session.GraphClaims = TokenClaims.Parse(graphToken);
            session.ClientId ??= session.GraphClaims.AppId;
            try
            {
                var exToken = await session.GetTokenAsync(ServiceKind.Exchange, ct).ConfigureAwait(false);
                session.ExchangeClaims = TokenClaims.Parse(exToken);
            }
            catch (AirException e) when (e.Kind is AirErrorKind.AuthenticationFailed)
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
