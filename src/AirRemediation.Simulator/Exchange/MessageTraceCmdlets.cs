using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Exchange;

/// <summary>
/// Get-MessageTraceV2 as Microsoft's cmdlet page describes it: 90 days of data, at most 10 days per query (the last 48
/// hours without dates), ResultSize 1–5,000 (default 1,000), no paging — the next query continues with
/// -StartingRecipientAddress and -EndDate taken from the last row, which it includes again — and at most 100 queries in
/// any 5 minutes per tenant (LimitSettings.MessageTraceQueriesPerWindow / MessageTraceWindowSeconds). Rows are every delivered copy in the tenant's mailboxes plus the scenario's extra rows
/// (external recipients, mail not delivered), newest first, then by recipient.
/// </summary>
public static class MessageTraceCmdlets
{
    public static readonly string[] Parameters =
    [
        "StartDate", "EndDate", "SenderAddress", "RecipientAddress", "MessageId", "MessageTraceId", "Subject", "SubjectFilterType",
        "Status", "FromIP", "ToIP", "ResultSize", "StartingRecipientAddress",
    ];

    // TraceSeed: what the row's MessageTraceId is derived from, hashed only for the rows a query returns (a generated tenant
    // holds tens of thousands of messages, and every query walks them all).
    sealed record Row(DateTimeOffset Received, string Sender, string Recipient, string Subject, string Status, string MessageId, string TraceSeed);

    public static CmdletResult GetV2(RouteContext ctx, CmdletParameters p)
    {
        var now = ctx.Clock.GetUtcNow();
        var limit = ctx.Sim.Limits.MessageTraceQueriesPerWindow;
        var window = TimeSpan.FromSeconds(ctx.Sim.Limits.MessageTraceWindowSeconds);
        lock (ctx.State.TraceQueries)
        {
            var q = ctx.State.TraceQueries;
            while (q.Count > 0 && now - q.Peek() >= window) q.Dequeue();
            if (q.Count >= limit)
            {
                // Not counted against the window (whether Exchange counts refused queries is Open question 15).
                Interlocked.Increment(ref ctx.Sim.Stats.MessageTraceThrottled);
                return CmdletResult.Fail(ExchangeErrors.Create(400, "Microsoft.Exchange.Management.Tasks.ThrottlingException",
                    $"The number of message trace requests exceeded the limit of {limit} in {window.TotalMinutes:0.##} minutes. Try again later."));
            }
            q.Enqueue(now);
        }
        Interlocked.Increment(ref ctx.Sim.Stats.MessageTraceQueries);
        var start = p.Date("StartDate");
        var end = p.Date("EndDate");
        if (p.Has("StartDate") && start is null) return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot process argument transformation on parameter 'StartDate'. Cannot convert value \"{p.String("StartDate")}\" to type \"System.DateTime\"."));
        if (p.Has("EndDate") && end is null) return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot process argument transformation on parameter 'EndDate'. Cannot convert value \"{p.String("EndDate")}\" to type \"System.DateTime\"."));
        if (start is null != end is null) return CmdletResult.Fail(ExchangeErrors.Task("StartDate and EndDate must be given together."));
        end ??= now;
        start ??= now.AddHours(-48);
        if (start >= end) return CmdletResult.Fail(ExchangeErrors.Task("The StartDate must be earlier than the EndDate."));
        if (end.Value - start.Value > TimeSpan.FromDays(10)) return CmdletResult.Fail(ExchangeErrors.Task("The time range between StartDate and EndDate can't exceed 10 days."));
        if (start < now.AddDays(-90)) return CmdletResult.Fail(ExchangeErrors.Task("The StartDate can't be older than 90 days."));
        var size = 1000;
        if (p.Has("ResultSize") && (!int.TryParse(p.String("ResultSize"), out size) || size is < 1 or > 5000))
            return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot validate argument on parameter 'ResultSize'. The value '{p.String("ResultSize")}' is not between 1 and 5000."));
        var filterType = p.String("SubjectFilterType") ?? "Contains";
        if (filterType is not ("Contains" or "StartsWith" or "EndsWith"))
            return CmdletResult.Fail(ExchangeErrors.BadParameter($"Cannot bind parameter 'SubjectFilterType'. '{filterType}' is not one of Contains, StartsWith, EndsWith."));

        var senders = Set(p.Strings("SenderAddress"));
        var recipients = Set(p.Strings("RecipientAddress"));
        var messageIds = Set(p.Strings("MessageId"));
        var statuses = Set(p.Strings("Status"));
        var subject = p.String("Subject");
        var startingRecipient = p.String("StartingRecipientAddress");

        var rows = AllRows(ctx.State)
            .Where(r => r.Received >= start && r.Received <= end)
            .Where(r => senders is null || senders.Contains(r.Sender))
            .Where(r => recipients is null || recipients.Contains(r.Recipient))
            .Where(r => messageIds is null || messageIds.Contains(r.MessageId))
            .Where(r => statuses is null || statuses.Contains(r.Status))
            .Where(r => subject is null || filterType switch
            {
                "StartsWith" => r.Subject.StartsWith(subject, StringComparison.OrdinalIgnoreCase),
                "EndsWith" => r.Subject.EndsWith(subject, StringComparison.OrdinalIgnoreCase),
                _ => r.Subject.Contains(subject, StringComparison.OrdinalIgnoreCase),
            })
            // Continuing from a row includes that row again (the client deduplicates).
            .Where(r => startingRecipient is null || r.Received < end || string.Compare(r.Recipient, startingRecipient, StringComparison.OrdinalIgnoreCase) >= 0)
            .OrderByDescending(r => r.Received).ThenBy(r => r.Recipient, StringComparer.OrdinalIgnoreCase)
            .Take(size);
        var result = new CmdletResult();
        foreach (var r in rows)
            result.Values.Add(new JsonObject
            {
                ["Received"] = r.Received.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                ["SenderAddress"] = r.Sender,
                ["RecipientAddress"] = r.Recipient,
                ["Subject"] = r.Subject,
                ["Status"] = r.Status,
                ["ToIP"] = null,
                ["FromIP"] = "203.0.113.7",
                ["Size"] = 8192 + r.Subject.Length,
                ["MessageId"] = r.MessageId,
                ["MessageTraceId"] = TraceId(r.TraceSeed),
            });
        return result;
    }

    static HashSet<string>? Set(List<string>? values) => values is null ? null : new(values, StringComparer.OrdinalIgnoreCase);

    static IEnumerable<Row> AllRows(TenantState state)
    {
        var rows = new List<Row>();
        foreach (var m in state.Mailboxes)
        {
            lock (m.Gate)
            {
                foreach (var msg in m.Messages.Where(x => x.ItemClass.StartsWith("IPM.Note", StringComparison.OrdinalIgnoreCase)))
                    rows.Add(new Row(msg.Received, msg.FromAddress, m.Owner.Mail, msg.Subject, "Delivered", msg.InternetMessageId, msg.NetworkMessageId ?? msg.InternetMessageId));
            }
        }
        rows.AddRange(state.ExtraTraceRows.Select(r => new Row(r.Received, r.SenderAddress, r.RecipientAddress, r.Subject, r.Status, r.MessageId, r.MessageId)));
        return rows;
    }

    static string TraceId(string seed) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("trace|" + seed)).AsSpan(0, 16)).ToString();
}
