using System.Net;
using System.Security.Cryptography.X509Certificates;
using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.Exchange;
using AirRemediation.Simulator.Faults;
using AirRemediation.Simulator.Graph;
using AirRemediation.Simulator.Hosting;
using AirRemediation.Simulator.Identity;
using AirRemediation.Simulator.Limits;
using AirRemediation.Simulator.Observability;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AirRemediation.Simulator;

/// <summary>
/// A running simulated tenant on 127.0.0.1: Entra-like identity on HTTPS, Graph v1.0 and the Exchange admin API on
/// both listeners, /_simulator for observation and fault control. Start with StartAsync, stop with DisposeAsync.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly SimulatorContext sim;
    readonly X509Certificate2 tlsCertificate;

    SimulatorServer(WebApplication app, SimulatorContext sim, X509Certificate2 cert, Uri http, Uri https)
    {
        this.app = app;
        this.sim = sim;
        tlsCertificate = cert;
        Http = http;
        Https = https;
    }

    public Uri Http { get; }
    public Uri Https { get; }
    /// <summary>Authority host for Azure.Identity / MSAL (needs https).</summary>
    public Uri Authority => Https;
    /// <summary>Graph service root, e.g. http://127.0.0.1:P/v1.0 (no trailing slash).</summary>
    public string Graph => Http.ToString().TrimEnd('/') + "/v1.0";
    /// <summary>Base of the Exchange admin API: POST {Exchange}/adminapi/beta/{tenantId}/InvokeCommand.</summary>
    public string Exchange => Http.ToString().TrimEnd('/');
    /// <summary>App Service style managed identity endpoint (IDENTITY_ENDPOINT).</summary>
    public string ManagedIdentityEndpoint => Http.ToString().TrimEnd('/') + "/msi/token";
    /// <summary>IMDS base (what 169.254.169.254 would be): GET {Imds}/metadata/identity/oauth2/token.</summary>
    public string Imds => Http.ToString().TrimEnd('/');
    public string TenantId => sim.State.TenantId;
    /// <summary>SHA-1 thumbprint (hex) of the self-signed TLS certificate.</summary>
    public string CertificateThumbprint => tlsCertificate.Thumbprint;
    public X509Certificate2 TlsCertificate => tlsCertificate;

    /// <summary>The live tenant, for assertions (lock Mailbox.Gate / AlertsGate / TablGate while reading).</summary>
    public TenantState State => sim.State;
    public SimulatorStats Stats => sim.Stats;
    public SecretRegistry Secrets => sim.Secrets;
    public FaultSettings Faults => sim.Faults.Settings;
    public LimitSettings Limits => sim.Limits;

    /// <summary>Replaces the fault settings now (same as POST /_simulator/faults); storms start now.</summary>
    public void SetFaults(FaultSettings faults) => sim.Faults.Replace(faults);

    public void SetLimits(LimitSettings limits) => sim.Limits = limits;

    public void ResetStats()
    {
        sim.Stats.Reset(sim.State);
        sim.MailboxLimiter.Reset();
        sim.AppLimiter.Reset();
    }

    /// <summary>A handler that trusts exactly this run's TLS certificate (and nothing else self-signed).</summary>
    public HttpClientHandler CreateHttpHandler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None
            || (cert is not null && string.Equals(cert.Thumbprint, tlsCertificate.Thumbprint, StringComparison.OrdinalIgnoreCase)),
    };

    /// <summary>The ready line Program prints: one JSON object with every endpoint.</summary>
    public string ReadyLine()
    {
        var o = new System.Text.Json.Nodes.JsonObject
        {
            ["ready"] = true,
            ["pid"] = Environment.ProcessId,
            ["http"] = Http.ToString().TrimEnd('/'),
            ["https"] = Https.ToString().TrimEnd('/'),
            ["authority"] = Authority.ToString(),
            ["graph"] = Graph,
            ["exchange"] = Exchange,
            ["managedIdentityEndpoint"] = ManagedIdentityEndpoint,
            ["imds"] = Imds,
            ["tenantId"] = TenantId,
            ["certificateThumbprint"] = CertificateThumbprint,
        };
        return o.ToJsonString();
    }

    public static async Task<SimulatorServer> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = options.Clock;
        ScenarioDocument doc;
        string? baseDir = null;
        if (options.Scenario is not null)
        {
            doc = options.Scenario;
            if (options.ScenarioPath is not null) baseDir = Path.GetDirectoryName(Path.GetFullPath(options.ScenarioPath));
        }
        else if (options.ScenarioPath is not null)
        {
            doc = ScenarioLoader.ReadFile(options.ScenarioPath);
            baseDir = Path.GetDirectoryName(Path.GetFullPath(options.ScenarioPath));
        }
        else
        {
            doc = new ScenarioDocument();
        }

        var state = ScenarioLoader.Build(doc, baseDir, clock);
        var generate = options.Generate ?? doc.Generate;
        if (generate is not null) TenantGenerator.Apply(state, generate, options.Seed, clock);

        var limits = (options.Limits ?? doc.Limits ?? new LimitSettings()).Clone();
        if (options.LatencyMs is { } lat) limits.LatencyMs = lat;
        if (options.JitterMs is { } jit) limits.JitterMs = jit;
        var faults = new FaultInjector(new FaultSettings(), options.Seed, clock);
        var initialFaults = (options.Faults ?? doc.Faults ?? new FaultSettings()).Clone();
        if (options.ServerErrorRate is { } r5) initialFaults.ServerErrorRate = r5;
        if (options.AppliedButGatewayTimeoutRate is { } r504) initialFaults.AppliedButGatewayTimeoutRate = r504;
        if (options.DropConnectionRate is { } rd) initialFaults.DropConnectionRate = rd;
        faults.Replace(initialFaults);

        var secrets = new SecretRegistry();
        foreach (var a in doc.Apps)
        {
            foreach (var s in a.Secrets) secrets.Add(SecretKind.ClientSecret, s);
            foreach (var c in a.Certificates) if (c.PfxPassword is { } pw) secrets.Add(SecretKind.CertificatePassword, pw);
        }
        if (doc.ManagedIdentity?.IdentityHeader is { } ih) secrets.Add(SecretKind.IdentityHeader, ih);

        SimulatorContext? simRef = null;
        int Lifetime() => simRef?.Faults.Settings.TokenLifetimeSeconds ?? options.TokenLifetimeSeconds ?? 3599;
        var tokens = new TokenService(state, clock, secrets, Lifetime);
        LimitSettings CurrentLimits() => simRef!.Limits;
        var sim = new SimulatorContext
        {
            State = state,
            Clock = clock,
            Tokens = tokens,
            Secrets = secrets,
            Stats = new SimulatorStats(clock),
            Faults = faults,
            MailboxLimiter = new MailboxLimiter(CurrentLimits, clock),
            AppLimiter = new AppRateLimiter(CurrentLimits, clock),
            Limits = limits,
            LatencyRandom = new Random(options.Seed ^ 0x5EED),
            ExchangePages = new ExchangePageLinks(clock),
        };
        simRef = sim;

        var cert = SelfSignedCertificate.ForThisProcess;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        if (options.Verbose)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
            k.Listen(IPAddress.Loopback, options.HttpPort);
            k.Listen(IPAddress.Loopback, options.HttpsPort, l => l.UseHttps(cert));
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();

        string httpsBase = "";
        var identity = new IdentityEndpoints(state, tokens, secrets, clock, options.DeviceCodeApprovalDelay) { DeviceCodeInterval = options.DeviceCodeIntervalSeconds };
        var graph = new ApiPipeline(sim, GraphRoutes.Build(), Resources.Graph);
        var exchange = new ApiPipeline(sim, ExchangeRoutes.Build(), Resources.Exchange);
        var front = new HttpFront(sim, identity, graph, exchange, new BatchHandler(graph), new AdminEndpoints(sim), () => httpsBase, options.Verbose);
        app.Run(front.HandleAsync);

        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var http = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
        var https = new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)));
        httpsBase = https.ToString();
        return new SimulatorServer(app, sim, cert, http, https);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        // The TLS certificate is shared by every server of this process; it is not disposed here.
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
