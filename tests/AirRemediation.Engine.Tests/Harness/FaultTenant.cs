using System.Collections.Concurrent;
using System.Security;
using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Simulator;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.Harness;

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

    /// <summary>A new session (its own token cache and HTTP handler) on the shared store; on <paramref name="clock"/> if given.</summary>
    public async Task<AirSession> ConnectAsync(string clientId = AutomationClientId, string secret = AutomationSecret, string? storePath = null,
        RetryOptions? retry = null, TimeProvider? clock = null)
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
        }, CancellationToken.None, clock);
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

    /// <summary>
    /// <paramref name="retry"/> for a session on a <see cref="TestClock"/>: the client's app-wide limiter measures its rate
    /// on a stopwatch but waits on the session clock, so on a clock that only the test moves its waits would never end.
    /// A rate it never reaches keeps it out of tests that are about something else (a mailbox's Retry-After, a lease).
    /// </summary>
    public static RetryOptions Unpaced(RetryOptions retry) => retry with { InitialRate = 1e7, MaxRate = 1e7 };

    /// <summary>Runs a soft delete to its end and records every item result and progress record.</summary>
    public static Task<Run> RunAsync(AirSession session, NormalizedRequest request, CancellationToken ct = default) =>
        new Run(session.Clock).ExecuteAsync(session, request, ct);

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

    /// <summary>
    /// One run as the caller sees it: each item result with the session-clock time it arrived at, the progress records,
    /// the log lines. A test can wait for a condition on what has arrived (never for time) and act from the item callback.
    /// </summary>
    internal sealed class Run(TimeProvider clock, Action<MessageResult>? onItem = null)
    {
        private readonly Lock gate = new();
        private readonly List<(Func<Run, bool> Condition, TaskCompletionSource Done)> waiters = [];

        public ConcurrentQueue<(DateTimeOffset At, MessageResult Result)> Items { get; } = new();
        public ConcurrentQueue<RunProgress> Progress { get; } = new();
        public CapturingLog Log { get; } = new();
        public RunSummary Summary { get; private set; } = null!;

        /// <summary>Results of messages (not of mailboxes that could not be searched, nor of rejected inputs).</summary>
        public List<(DateTimeOffset At, MessageResult Result)> Messages => [.. Items.Where(i => i.Result.MessageId is not null)];

        public RunSink Sink => new(o =>
        {
            var r = (MessageResult)o;
            Items.Enqueue((clock.GetUtcNow(), r));
            onItem?.Invoke(r);
            Check();
        }, Progress.Enqueue);

        public async Task<Run> ExecuteAsync(AirSession session, NormalizedRequest request, CancellationToken ct = default)
        {
            using (AirLog.Use(Log))
                Summary = await Remediation.RunAsync(session, request, null, Sink, ct);
            return this;
        }

        /// <summary>Completes once <paramref name="condition"/> holds for what has arrived (checked at every item); 60 s turns a hang into a failure.</summary>
        public Task When(Func<Run, bool> condition)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate) waiters.Add((condition, done));
            Check();
            return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        private void Check()
        {
            List<TaskCompletionSource> met;
            lock (gate)
            {
                met = [.. waiters.Where(w => w.Condition(this)).Select(w => w.Done)];
                waiters.RemoveAll(w => met.Contains(w.Done));
            }
            foreach (var d in met) d.TrySetResult();
        }
    }
}
