using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Observability;

/// <summary>What the simulator saw, for tests and benchmarks to assert on (GET /_simulator/stats).</summary>
public sealed class SimulatorStats(TimeProvider clock)
{
    public ConcurrentDictionary<string, MailboxStats> Mailboxes { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentDictionary<string, AppStats> Apps { get; } = new(StringComparer.OrdinalIgnoreCase);
    public long TotalRequests;
    public long Throttled;

    /// <summary>Exchange requests refused because the tenant had too many in flight.</summary>
    public long ExchangeBusy;
    /// <summary>InvokeCommand nextLinks refused as expired or invalid (replayed, past their lifetime, unknown).</summary>
    public long ExchangePagingRefused;
    public long ServerErrors;
    public long GatewayTimeouts;
    public long DroppedConnections;
    public long Unauthorized;
    public long Forbidden;
    /// <summary>Requests refused because a client used an SMTP address (not the UPN or id) as a /users/{key}.</summary>
    public long AddressUsedAsUserKey;

    /// <summary>Directory user searches (<c>GET /users</c> with a <c>$filter</c>), such as address-to-user lookups.</summary>
    public long UserQueries;
    /// <summary>GET /security/collaboration/analyzedEmails requests answered (pages included).</summary>
    public long AnalyzedEmailsQueries;
    /// <summary>Of those, the ones without a startTime/endTime window (optional in v1.0, but each scans the whole 30 days).</summary>
    public long AnalyzedEmailsQueriesWithoutWindow;
    /// <summary>Get-MessageTraceV2 queries answered (each counts against the trace's 100 in 5 minutes).</summary>
    public long MessageTraceQueries;
    /// <summary>Get-MessageTraceV2 queries refused with ThrottlingException (the window was full).</summary>
    public long MessageTraceThrottled;

    public MailboxStats Mailbox(string upn) => Mailboxes.GetOrAdd(upn, _ => new MailboxStats());

    public void CountApp(string appId, bool throttled)
    {
        var a = Apps.GetOrAdd(appId, _ => new AppStats());
        var now = clock.GetUtcNow().UtcTicks;
        lock (a)
        {
            a.Requests++;
            if (throttled) a.Throttled++;
            if (a.FirstTicks == 0) a.FirstTicks = now;
            a.LastTicks = now;
            var second = now / TimeSpan.TicksPerSecond;
            if (second != a.CurrentSecond)
            {
                a.CurrentSecond = second;
                a.CurrentSecondCount = 0;
            }
            a.CurrentSecondCount++;
            if (a.CurrentSecondCount > a.PeakPerSecond) a.PeakPerSecond = a.CurrentSecondCount;
        }
    }

    public void Reset(TenantState state)
    {
        Mailboxes.Clear();
        Apps.Clear();
        ExchangeBusy = ExchangePagingRefused = 0;
        TotalRequests = Throttled = ServerErrors = GatewayTimeouts = DroppedConnections = Unauthorized = Forbidden = AddressUsedAsUserKey = UserQueries = AnalyzedEmailsQueries = AnalyzedEmailsQueriesWithoutWindow = MessageTraceQueries = MessageTraceThrottled = 0;
        lock (state.TraceQueries) state.TraceQueries.Clear();
        foreach (var m in state.Mailboxes)
        {
            lock (m.Gate)
            {
                foreach (var msg in m.Messages) msg.TimesMoved = 0;
            }
        }
    }

    public JsonObject ToJson(TenantState state)
    {
        var mailboxes = new JsonObject();
        // ToArray is the dictionary's own atomic snapshot; LINQ over it directly copies with a count taken earlier and
        // throws when a request adds a mailbox in between.
        foreach (var (upn, s) in Mailboxes.ToArray().OrderBy(k => k.Key, StringComparer.OrdinalIgnoreCase))
        {
            mailboxes[upn] = new JsonObject
            {
                ["requests"] = Interlocked.Read(ref s.Requests),
                ["throttled"] = Interlocked.Read(ref s.Throttled),
                ["maxConcurrency"] = Volatile.Read(ref s.MaxConcurrency),
                ["currentConcurrency"] = Volatile.Read(ref s.CurrentConcurrency),
                ["earlyRetries"] = Interlocked.Read(ref s.EarlyRetries),
            };
        }
        var moved = new JsonArray();
        long totalMoves = 0;
        foreach (var m in state.Mailboxes)
        {
            lock (m.Gate)
            {
                foreach (var msg in m.Messages)
                {
                    if (msg.TimesMoved == 0) continue;
                    totalMoves += msg.TimesMoved;
                    moved.Add(new JsonObject
                    {
                        ["mailbox"] = m.Owner.UserPrincipalName,
                        ["immutableId"] = ItemIds.ImmutableId(m.Index, msg.Seq),
                        ["internetMessageId"] = msg.InternetMessageId,
                        ["timesMoved"] = msg.TimesMoved,
                        ["folder"] = m.FolderWellKnownName(msg.FolderIndex) ?? m.FolderDisplayName(msg.FolderIndex),
                    });
                }
            }
        }
        var apps = new JsonObject();
        foreach (var (id, a) in Apps.ToArray().OrderBy(k => k.Key, StringComparer.OrdinalIgnoreCase))
        {
            lock (a)
            {
                var seconds = Math.Max(1.0, (a.LastTicks - a.FirstTicks) / (double)TimeSpan.TicksPerSecond);
                apps[id] = new JsonObject
                {
                    ["requests"] = a.Requests,
                    ["throttled"] = a.Throttled,
                    ["requestsPerSecond"] = Math.Round(a.Requests / seconds, 2),
                    ["peakRequestsPerSecond"] = a.PeakPerSecond,
                };
            }
        }
        return new JsonObject
        {
            ["generatedAt"] = clock.GetUtcNow().ToString("o", CultureInfo.InvariantCulture),
            ["totals"] = new JsonObject
            {
                ["requests"] = Interlocked.Read(ref TotalRequests),
                ["throttled"] = Interlocked.Read(ref Throttled),
                ["exchangeBusy"] = Interlocked.Read(ref ExchangeBusy),
                ["exchangePagingRefused"] = Interlocked.Read(ref ExchangePagingRefused),
                ["serverErrors"] = Interlocked.Read(ref ServerErrors),
                ["gatewayTimeouts"] = Interlocked.Read(ref GatewayTimeouts),
                ["droppedConnections"] = Interlocked.Read(ref DroppedConnections),
                ["unauthorized"] = Interlocked.Read(ref Unauthorized),
                ["forbidden"] = Interlocked.Read(ref Forbidden),
                ["addressUsedAsUserKey"] = Interlocked.Read(ref AddressUsedAsUserKey),
                ["userQueries"] = Interlocked.Read(ref UserQueries),
                ["analyzedEmailsQueries"] = Interlocked.Read(ref AnalyzedEmailsQueries),
                ["analyzedEmailsQueriesWithoutWindow"] = Interlocked.Read(ref AnalyzedEmailsQueriesWithoutWindow),
                ["messageTraceQueries"] = Interlocked.Read(ref MessageTraceQueries),
                ["messageTraceThrottled"] = Interlocked.Read(ref MessageTraceThrottled),
                ["moves"] = totalMoves,
                // Mailbox requests being served at this moment (a test proves a stopped client left nothing running).
                ["inFlight"] = Mailboxes.ToArray().Sum(p => Volatile.Read(ref p.Value.CurrentConcurrency)),
                ["maxMailboxConcurrency"] = Mailboxes.ToArray().Select(p => p.Value).Select(v => Volatile.Read(ref v.MaxConcurrency)).DefaultIfEmpty(0).Max(),
            },
            ["mailboxes"] = mailboxes,
            ["messages"] = moved,
            ["apps"] = apps,
        };
    }
}
