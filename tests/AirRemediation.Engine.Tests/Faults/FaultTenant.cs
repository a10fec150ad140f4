using Xunit;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security;
using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Kinds;
using AirRemediation.Simulator;
using AirRemediation.Simulator.State;

namespace AirRemediation.Engine.Tests.Faults;

/// <summary>
/// A simulator started in this process with a generated tenant (gen00000@… mailboxes, one phishing cluster from
/// <see cref="ClusterSender"/>), a session signed in with the automation app's client secret, and a fresh store.
/// </summary>
internal sealed class FaultTenant : IAsyncDisposable
{
    public const string AutomationClientId = "3f4e2b1a-7c8d-4e9f-a0b1-c2d3e4f5a6b7";
    public const string AutomationSecret = "sim-secret-Automation-9QxL2v~Hk3pWd";
    public const string ReaderClientId = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
    public const string ReaderSecret = "sim-secret-Reader-4TzQ8m~Lp2Xc";
    public const string ClusterSender = TenantGenerator.ClusterSender;

    private readonly List<AirSession> sessions = [];

    private FaultTenant(SimulatorServer sim, string storePath, int clusterSize)
    {
        Sim = sim;
        StorePath = storePath;
        ClusterSize = clusterSize;
    }

    public SimulatorServer Sim { get; }
    public string StorePath { get; }
    public int ClusterSize { get; }

    public static bool Long => Environment.GetEnvironmentVariable("AIR_LONG_FAULTS") == "1";

    public static string Mailbox(int i) => $"gen{i:D5}@contoso.com";

    /// <summary>The generated mailboxes gen00000..gen{n-1}.</summary>
    public static IEnumerable<string> Mailboxes(int n) => Enumerable.Range(0, n).Select(Mailbox);

    public static async Task<FaultTenant> StartAsync(int mailboxes, int messagesPerMailbox, int clusterSize, int seed = 3,
        Action<SimulatorOptions>? configure = null)
    {
        var o = new SimulatorOptions
        {
            ScenarioPath = Path.Combine(AppContext.BaseDirectory, "Scenarios", "default.json"),
            Generate = new Simulator.Scenario.GeneratorSpec { Mailboxes = mailboxes, MessagesPerMailbox = messagesPerMailbox, ClusterSize = clusterSize },
            Seed = seed,
        };
        configure?.Invoke(o);
        var sim = await SimulatorServer.StartAsync(o);
        var store = Path.Combine(Path.GetTempPath(), "air-fault-" + Guid.NewGuid().ToString("n") + ".db");
        return new FaultTenant(sim, store, clusterSize);
    }

    /// <summary>A new session (its own token cache and HTTP handler) on the shared store.</summary>
    public async Task<AirSession> ConnectAsync(string clientId = AutomationClientId, string secret = AutomationSecret, string? storePath = null, RetryOptions? retry = null)
    {
        var s = await AirSession.ConnectAsync(new ConnectionRequest
        {
            Method = SignInMethod.ClientSecret,
            TenantId = Sim.TenantId,
            ClientId = clientId,
            ClientSecret = Secure(secret),
            AuthorityHost = Sim.Authority,
            GraphEndpoint = new Uri(Sim.Graph),
            ExchangeEndpoint = new Uri(Sim.Exchange),
            StorePath = storePath ?? StorePath,
            Retry = retry ?? QuickRetries,
        }, CancellationToken.None);
        lock (sessions) sessions.Add(s);
        return s;
    }

    public static SecureString Secure(string s)
    {
        var ss = new SecureString();
        foreach (var c in s) ss.AppendChar(c);
        ss.MakeReadOnly();
        return ss;
    }

    public static NormalizedRequest Cluster(IEnumerable<string>? mailboxes = null) => new SoftDeleteRequest
    {
        Query = new ClusterQuery { Sender = ClusterSender },
        AllMailboxes = mailboxes is null,
        Mailboxes = mailboxes?.ToList() ?? [],
    }.Normalize();

    /// <summary>Fast retry steps so a fault test spends its time on faults, not on production-sized backoff.</summary>
    public static RetryOptions QuickRetries => new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(40),
        MaxDelay = TimeSpan.FromSeconds(1),
        MaxTransientAttempts = 10,
    };

    /// <summary>Runs a soft delete and records, for every item result, when it arrived.</summary>
    public static async Task<Run> RunAsync(AirSession session, NormalizedRequest request, CancellationToken ct = default)
    {
        var run = new Run();
        var sink = new RunSink(o => run.Add((MessageResult)o), _ => { });
        using (AirLog.Use(run.Log))
            run.Summary = await Remediation.RunAsync(session, request, null, sink, ct);
        run.Elapsed = run.Clock.Elapsed;
        return run;
    }

    /// <summary>Every copy of the cluster message: mailbox, how often it was moved, the folder it is in now.</summary>
    public List<(string Mailbox, int TimesMoved, string Folder)> ClusterCopies()
    {
        var list = new List<(string, int, string)>();
        foreach (var m in Sim.State.Mailboxes)
        {
            lock (m.Gate)
            {
                foreach (var msg in m.Messages)
                {
                    if (msg.FromAddress != ClusterSender) continue;
                    list.Add((m.Owner.UserPrincipalName, msg.TimesMoved, m.FolderWellKnownName(msg.FolderIndex) ?? m.FolderDisplayName(msg.FolderIndex)));
                }
            }
        }
        return list;
    }

    /// <summary>Moves of messages that are not part of the cluster (must stay 0).</summary>
    public int BystanderMoves()
    {
        var n = 0;
        foreach (var m in Sim.State.Mailboxes)
            lock (m.Gate) n += m.Messages.Where(x => x.FromAddress != ClusterSender).Sum(x => x.TimesMoved);
        return n;
    }

    public JsonObject Stats() => Sim.Stats.ToJson(Sim.State);

    public long EarlyRetries() => Sim.Stats.Mailboxes.Values.Sum(v => Interlocked.Read(ref v.EarlyRetries));

    /// <summary>Asserts the promise every fault test ends with: each cluster copy moved exactly once, nothing else moved, counts add up.</summary>
    public void AssertExactlyOnce(RunSummary summary)
    {
        var copies = ClusterCopies();
        Assert.Equal(ClusterSize, copies.Count);
        Assert.All(copies, c => Assert.Equal(1, c.TimesMoved));
        Assert.All(copies, c => Assert.Equal("recoverableitemsdeletions", c.Folder));
        Assert.Equal(0, BystanderMoves());
        Assert.Equal(0, summary.Failed);
        Assert.Equal(ClusterSize, summary.Succeeded + summary.Already);
        Assert.Equal(summary.Total, summary.Succeeded + summary.Already + summary.Failed + summary.Skipped);
    }

    public async ValueTask DisposeAsync()
    {
        lock (sessions)
        {
            foreach (var s in sessions) s.Dispose();
            sessions.Clear();
        }
        await Sim.DisposeAsync();
        foreach (var f in new[] { StorePath, StorePath + "-wal", StorePath + "-shm" })
        {
            try { File.Delete(f); } catch (IOException) { }
        }
    }

    internal sealed class Run
    {
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public ConcurrentQueue<(TimeSpan At, MessageResult Result)> Items { get; } = new();
        public CapturingLog Log { get; } = new();
        public RunSummary Summary { get; set; } = null!;
        public TimeSpan Elapsed { get; set; }

        public void Add(MessageResult r) => Items.Enqueue((Clock.Elapsed, r));

        /// <summary>Results of messages (not of mailboxes that could not be searched, nor of rejected inputs).</summary>
        public List<(TimeSpan At, MessageResult Result)> Messages => [.. Items.Where(i => i.Result.MessageId is not null)];
    }
}

/// <summary>Collects the Engine's log lines of one flow (thread-safe).</summary>
internal sealed class CapturingLog : IAirLog
{
    private readonly ConcurrentQueue<(string Level, string Message)> lines = new();
    public IReadOnlyList<(string Level, string Message)> Lines => [.. lines];
    public IEnumerable<string> Warnings => lines.Where(l => l.Level == "warning").Select(l => l.Message);
    public void Verbose(string message) => lines.Enqueue(("verbose", message));
    public void Debug(string message) => lines.Enqueue(("debug", message));
    public void Warning(string message) => lines.Enqueue(("warning", message));
}
