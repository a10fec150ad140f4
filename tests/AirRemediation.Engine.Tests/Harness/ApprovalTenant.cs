using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Simulator;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.Harness;

/// <summary>
/// The default tenant with the people an approval involves, each signing in for real (device code for users, client
/// secret for apps) and all sharing one action store — the team's queue. On top of the default scenario: Adele (no
/// directory role) and the Global Administrator have consented to the interactive app as Megan and Alex have, and two
/// more users hold the roles the default scenario lacks: Security Operator and Security Reader.
/// </summary>
internal sealed class ApprovalTenant : IAsyncDisposable
{
    public const string Megan = "megan@contoso.com";             // Security Administrator
    public const string Alex = "alex@contoso.com";               // Security Administrator
    public const string GlobalAdmin = "admin@contoso.com";       // Global Administrator
    public const string Operator = "sol@contoso.com";            // Security Operator
    public const string SecurityReader = "sara@contoso.com";     // Security Reader: may read, not approve
    public const string Adele = "adele@contoso.com";             // no directory role
    public const string InteractiveClientId = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
    public const string AutomationName = "AirRemediation Automation";

    private readonly List<AirSession> sessions = [];
    private readonly ScratchDir dir = new();

    private ApprovalTenant(SimulatorServer sim) => Sim = sim;

    public SimulatorServer Sim { get; }

    /// <summary>The one store every session of the tenant shares.</summary>
    public string StorePath => dir.File("queue.db");

    /// <param name="edit">Changes to the scenario (an extra alert, evidence…), made before the simulator starts.</param>
    /// <summary>When set, every session shares an Azure Table store (on Azurite, its own prefix) instead of the SQLite file.</summary>
    public string? TablePrefix { get; private init; }

    /// <summary>The tenant; with <paramref name="onTables"/> its sessions share one Azure Table queue on Azurite instead of a SQLite file.</summary>
    public static async Task<ApprovalTenant> StartAsync(Action<ScenarioDocument>? edit = null, bool onTables = false)
    {
        var doc = ScenarioLoader.ReadFile(SimulatedTenant.ScenarioPath);
        var consent = doc.Users.Single(u => u.UserPrincipalName == Megan).DelegatedScopes[InteractiveClientId];
        Dictionary<string, DelegatedGrantSpec> Consented() => new(StringComparer.OrdinalIgnoreCase)
        {
            [InteractiveClientId] = new DelegatedGrantSpec { Graph = [.. consent.Graph], Exchange = [.. consent.Exchange] },
        };
        foreach (var u in doc.Users.Where(u => u.UserPrincipalName is GlobalAdmin or Adele)) u.DelegatedScopes = Consented();
        doc.Users.Add(new UserSpec
        {
            Id = "88888888-8888-4888-8888-888888888888", UserPrincipalName = Operator, DisplayName = "Sol Operator",
            DirectoryRoles = ["Security Operator"], DelegatedScopes = Consented(),
        });
        doc.Users.Add(new UserSpec
        {
            Id = "99999999-9999-4999-8999-999999999999", UserPrincipalName = SecurityReader, DisplayName = "Sara Reader",
            DirectoryRoles = ["Security Reader"], DelegatedScopes = Consented(),
        });
        edit?.Invoke(doc);
        var sim = await SimulatedTenant.StartAsync(o =>
        {
            o.Scenario = doc;
            o.DeviceCodeApprovalDelay = TimeSpan.Zero;
        });
        return new ApprovalTenant(sim) { TablePrefix = onTables ? Store.Azurite.NewPrefix() : null };
    }

    /// <summary>A user signed in with a device code, on the shared store (on <paramref name="clock"/> if given).</summary>
    public async Task<AirSession> UserAsync(string upn, TimeProvider? clock = null)
    {
        // The simulator approves the next device code as this user; sign-ins are made one at a time.
        Sim.State.DeviceCodeUser = upn;
        var s = await AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.DeviceCode,
            TenantId = Sim.TenantId,
            ClientId = InteractiveClientId,
            AuthorityHost = Sim.Authority,
            GraphEndpoint = new Uri(Sim.Graph),
            ExchangeEndpoint = new Uri(Sim.Exchange),
            StorePath = TablePrefix is null ? StorePath : null,
            StoreConnectionString = TablePrefix is null ? null : FaultTenant.Secure(Store.Azurite.ConnectionString),
            StoreTablePrefix = TablePrefix,
            DeviceCodePrompt = _ => { },
            Retry = FaultTenant.QuickRetries,
        }, CancellationToken.None, clock);
        lock (sessions) sessions.Add(s);
        return s;
    }

    /// <summary>An application signed in with its client secret (the automation app by default), on the shared store.</summary>
    public async Task<AirSession> AppAsync(string clientId = FaultTenant.AutomationClientId, string secret = FaultTenant.AutomationSecret, TimeProvider? clock = null,
        RetryOptions? retry = null)
    {
        var s = await AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.ClientSecret,
            TenantId = Sim.TenantId,
            ClientId = clientId,
            ClientSecret = FaultTenant.Secure(secret),
            AuthorityHost = Sim.Authority,
            GraphEndpoint = new Uri(Sim.Graph),
            ExchangeEndpoint = new Uri(Sim.Exchange),
            StorePath = TablePrefix is null ? StorePath : null,
            StoreConnectionString = TablePrefix is null ? null : FaultTenant.Secure(Store.Azurite.ConnectionString),
            StoreTablePrefix = TablePrefix,
            Retry = retry ?? FaultTenant.QuickRetries,
        }, CancellationToken.None, clock);
        lock (sessions) sessions.Add(s);
        return s;
    }

    /// <summary>Proposes blocking one URL (New-AirAction -BlockUrl) as <paramref name="proposer"/>: the queue's simplest action.</summary>
    public static async Task<ActionRecord> ProposeBlockAsync(AirSession proposer, string url)
    {
        var request = Remediation.Normalize(proposer, new UrlBlockRequest { Urls = [url] });
        var created = await ProposalService.ProposeAsync(proposer, request, "Seen in a phishing campaign.", null, default);
        Assert.True(created.Created);
        Assert.Equal(ActionState.Pending, created.Action.State);
        return created.Action;
    }

    /// <summary>URL block entries with this value in the tenant's list.</summary>
    public int Blocked(string url)
    {
        lock (Sim.State.TablGate) return Sim.State.TablEntries.Count(e => string.Equals(e.Value, url, StringComparison.OrdinalIgnoreCase));
    }

    public async ValueTask DisposeAsync()
    {
        lock (sessions)
        {
            foreach (var s in sessions) s.Dispose();
            sessions.Clear();
        }
        await Sim.DisposeAsync();
        dir.Dispose();
    }
}
