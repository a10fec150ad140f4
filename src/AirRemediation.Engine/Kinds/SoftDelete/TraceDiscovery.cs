using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>How a cluster soft delete finds the mailboxes to search.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ClusterDiscovery>))]
public enum ClusterDiscovery
{
    /// <summary>Message trace when the session can run it and the window is known and within 90 days; the full scan otherwise.</summary>
    Auto,
    /// <summary>Ask Exchange's message trace who received the mail; search only those mailboxes, by internet message id.</summary>
    MessageTrace,
    /// <summary>Search every mailbox in scope with the cluster's filter.</summary>
    FullScan,
}

/// <summary>What message trace found: internet message ids per tenant mailbox, the rows that are not a tenant mailbox's mail, and the cost.</summary>
internal sealed record TracePlan(IReadOnlyDictionary<string, List<string>> IdsByMailbox, IReadOnlyList<TraceSkip> Skipped, int Queries, int Rows);

/// <summary>A trace row that is not searched: a recipient outside the tenant, or mail that was not delivered.</summary>
internal sealed record TraceSkip(string Recipient, string MessageId, string Reason);

/// <summary>
/// Targeted discovery (issue 17): <c>Get-MessageTraceV2</c> over the cluster's window, cut into windows of at most 10 days
/// (Microsoft's limit), each continued past 5,000 rows with <c>-StartingRecipientAddress</c> and <c>-EndDate</c> of the
/// last row (the cmdlet does not page; the continuation repeats that row, so rows are deduplicated by recipient and
/// message id). Delivered rows to the tenant's own domains become mailboxes to search; the others are reported.
/// </summary>
/// <remarks>
/// The trace allows 100 queries per tenant in any 5 minutes and refuses the next with a ThrottlingException that names
/// no Retry-After. This discovery counts its own queries: when refused, it waits until its oldest query of the last 5
/// minutes leaves the window (the whole window when it has none there: the other queries are not its own) — one retry
/// per chance of a free slot, not a poll — within the retry options' MaxThrottleWait.
/// </remarks>
internal sealed class TraceDiscovery(ExchangeAdminClient exchange, IReadOnlyCollection<string> tenantDomains, TimeProvider clock)
{
    public const int MaxRows = 5000;
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(10);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);
    /// <summary>The trace's own limit is counted over this sliding window (Get-MessageTraceV2: 100 queries in 5 minutes).</summary>
    public static readonly TimeSpan QueryWindow = TimeSpan.FromMinutes(5);

    // When each of this discovery's queries was answered (at or after the service counted it), oldest first.
    private readonly Queue<DateTimeOffset> answered = new();

    /// <summary>The discovery for a session: its Exchange connection and the tenant's verified domains (what is internal).</summary>
    public static TraceDiscovery For(AirSession session, Http.ServiceCaller caller) =>
        new(new ExchangeAdminClient(session, caller), session.Principal.TenantDomains, session.Clock);

    /// <summary>Why message trace cannot serve <paramref name="q"/> in this session; null when it can.</summary>
    public static string? WhyNot(AirSession session, ClusterQuery q, DateTimeOffset now)
    {
        if (session.ExchangeClaims is null) return "the session has no Exchange Online token";
        if (q.ReceivedAfter is not { } after) return "the cluster has no -ReceivedAfter, so its window is unknown";
        if (after < now - Retention)
            return $"-ReceivedAfter ({after:u}) is {(now - after).TotalDays:0} days ago; message trace keeps 90 days (back to {now - Retention:u})";
        if (q.Sender is null && q.Subject is null && q.InternetMessageIds.Count == 0)
            return "message trace needs -Sender, -Subject or -InternetMessageId (it cannot filter by sender domain alone)";
        return null;
    }

    public async Task<TracePlan> RunAsync(ClusterQuery q, DateTimeOffset now, CancellationToken ct)
    {
        var ids = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var skipped = new List<TraceSkip>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int queries = 0, rows = 0;
        var end = q.ReceivedBefore is { } before && before < now ? before : now;
        var start = q.ReceivedAfter!.Value;
        for (var windowEnd = end; windowEnd > start; windowEnd -= MaxWindow)
        {
            var windowStart = windowEnd - MaxWindow < start ? start : windowEnd - MaxWindow;
            DateTimeOffset queryEnd = windowEnd;
            string? startingRecipient = null;
            while (true)
            {
                var parameters = new Dictionary<string, object?>
                {
                    ["StartDate"] = windowStart,
                    ["EndDate"] = queryEnd,
                    ["ResultSize"] = MaxRows,
                };
                if (q.Sender is not null) parameters["SenderAddress"] = q.Sender;
                if (q.Subject is not null)
                {
                    parameters["Subject"] = q.Subject;
                    // Exact is not a filter type of the trace: Contains, then the exact match on each message found.
                    parameters["SubjectFilterType"] = q.SubjectMatch == SubjectMatch.StartsWith ? "StartsWith" : "Contains";
                }
                if (q.InternetMessageIds.Count > 0) parameters["MessageId"] = q.InternetMessageIds;
                if (startingRecipient is not null) parameters["StartingRecipientAddress"] = startingRecipient;
                var page = await exchange.InvokeAsync("Get-MessageTraceV2", parameters, null, ct, untilLimitFrees: UntilWindowFrees).ConfigureAwait(false);
                answered.Enqueue(clock.GetUtcNow());
                queries++;
                rows += page.Values.Count;
                foreach (var row in page.Values)
                {
                    var recipient = (string?)row["RecipientAddress"];
                    var messageId = (string?)row["MessageId"];
                    if (recipient is null || messageId is null || !seen.Add(recipient + "|" + messageId)) continue;
                    var status = (string?)row["Status"] ?? "";
                    if (!string.Equals(status, "Delivered", StringComparison.OrdinalIgnoreCase))
                        skipped.Add(new TraceSkip(recipient, messageId, $"Message trace reports it {status}, not delivered: nothing to remove."));
                    else if (!ClusterQuery.IsInternal(recipient, tenantDomains))
                        skipped.Add(new TraceSkip(recipient, messageId, "The recipient is outside this tenant: its mailbox cannot be reached."));
                    else
                    {
                        var key = recipient.ToLowerInvariant();
                        if (!ids.TryGetValue(key, out var list)) ids[key] = list = [];
                        if (!list.Contains(messageId, StringComparer.Ordinal)) list.Add(messageId);
                    }
                }
                if (page.Values.Count < MaxRows) break;
                var last = page.Values[^1];
                if (!DateTimeOffset.TryParse((string?)last["Received"], System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var lastReceived))
                    break;
                queryEnd = lastReceived;
                startingRecipient = (string?)last["RecipientAddress"];
            }
        }
        return new TracePlan(ids, skipped, queries, rows);
    }

    /// <summary>How long until this discovery's oldest query of the window leaves it (the whole window when none is in it).</summary>
    private TimeSpan UntilWindowFrees()
    {
        var now = clock.GetUtcNow();
        while (answered.Count > 0 && now - answered.Peek() >= QueryWindow) answered.Dequeue();
        return answered.Count == 0 ? QueryWindow : answered.Peek() + QueryWindow - now;
    }
}
