using System.Text.Json.Nodes;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Tests;

/// <summary>Get-MessageTraceV2 as Microsoft's cmdlet page describes it (issue 17 item 4): windows, retention, ResultSize, continuation, throttling.</summary>
public sealed class MessageTraceTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    static async Task<(SimulatorServer Server, FakeTimeProvider Clock)> StartAsync(Action<ScenarioDocument>? edit = null)
    {
        var clock = new FakeTimeProvider(Now);
        var doc = ScenarioLoader.ReadFile(TestTenant.ScenarioPath);
        edit?.Invoke(doc);
        var s = await SimulatorServer.StartAsync(new SimulatorOptions { Scenario = doc, ScenarioPath = TestTenant.ScenarioPath, Clock = clock });
        return (s, clock);
    }

    static async Task<(int Status, JsonNode? Body)> Trace(SimulatorServer s, HttpClient c, JsonObject parameters)
    {
        var body = new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = "Get-MessageTraceV2", ["Parameters"] = parameters } };
        var (status, json, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Exchange}/adminapi/beta/{s.TenantId}/InvokeCommand", body.ToJsonString());
        return (status, json);
    }

    static string Date(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    static string ExceptionText(JsonNode? body) => (string?)body!["error"]!["innererror"]!["internalexception"]!["message"] ?? "";

    [Fact]
    public async Task Rows_are_every_delivered_copy_and_the_extra_rows_with_MessageId_recipient_and_status()
    {
        var (s, _) = await StartAsync(doc => doc.MessageTrace.Add(new TraceRowSpec
        {
            MessageId = "<phish-0001@fabrikam-payments.example>", SenderAddress = "billing@fabrikam-payments.example",
            RecipientAddress = "partner@tailspin.example", Subject = "Your invoice is overdue", Status = "Delivered", Received = new DateTimeOffset(2026, 11, 26, 8, 15, 0, TimeSpan.Zero),
        }));
        await using (s)
        {
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
            var (status, body) = await Trace(s, c, new JsonObject
            {
                ["StartDate"] = Date(Now.AddDays(-5)), ["EndDate"] = Date(Now), ["MessageId"] = "<phish-0001@fabrikam-payments.example>",
            });
            Assert.Equal(200, status);
            var rows = body!["value"]!.AsArray().Select(r => r!.AsObject()).ToList();
            Assert.Contains(rows, r => (string?)r["RecipientAddress"] == "adele@contoso.com" && (string?)r["Status"] == "Delivered");
            Assert.Contains(rows, r => (string?)r["RecipientAddress"] == "partner@tailspin.example");
            Assert.All(rows, r => Assert.Equal("<phish-0001@fabrikam-payments.example>", (string?)r["MessageId"]));
            Assert.All(rows, r => Assert.NotNull((string?)r["MessageTraceId"]));
        }
    }

    [Theory]
    [InlineData(11, 0, "can't exceed 10 days")]
    [InlineData(3, 95, "can't be older than 90 days")]
    public async Task A_window_over_ten_days_or_beyond_ninety_days_is_refused(int days, int endDaysAgo, string text)
    {
        var (s, _) = await StartAsync();
        await using (s)
        {
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
            var end = Now.AddDays(-endDaysAgo);
            var (status, body) = await Trace(s, c, new JsonObject { ["StartDate"] = Date(end.AddDays(-days)), ["EndDate"] = Date(end) });
            Assert.Equal(400, status);
            Assert.Contains(text, ExceptionText(body), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ResultSize_cuts_and_the_next_query_continues_from_the_last_row_including_it()
    {
        var received = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        var (s, _) = await StartAsync(doc => doc.MessageTrace.AddRange(Enumerable.Range(0, 7).Select(i => new TraceRowSpec
        {
            MessageId = "<wave@x.example>", SenderAddress = "a@x.example", RecipientAddress = $"r{i}@tailspin.example", Subject = "wave",
            Received = received.AddMinutes(i < 4 ? 0 : -i),
        })));
        await using (s)
        {
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
            var first = await Trace(s, c, new JsonObject { ["StartDate"] = Date(Now.AddDays(-5)), ["EndDate"] = Date(Now), ["MessageId"] = "<wave@x.example>", ["ResultSize"] = 3 });
            var rows = first.Body!["value"]!.AsArray();
            Assert.Equal(3, rows.Count);
            Assert.Null(first.Body["@odata.nextLink"]);
            var last = rows[^1]!;
            var next = await Trace(s, c, new JsonObject
            {
                ["StartDate"] = Date(Now.AddDays(-5)), ["EndDate"] = (string?)last["Received"], ["StartingRecipientAddress"] = (string?)last["RecipientAddress"],
                ["MessageId"] = "<wave@x.example>", ["ResultSize"] = 5000,
            });
            var more = next.Body!["value"]!.AsArray().Select(r => (string?)r!["RecipientAddress"]).ToList();
            Assert.Equal((string?)last["RecipientAddress"], more[0]);
            var all = rows.Select(r => (string?)r!["RecipientAddress"]).Concat(more).Distinct().ToList();
            Assert.Equal(7, all.Count);
        }
    }

    [Fact]
    public async Task The_hundred_and_first_query_in_five_minutes_is_refused_until_the_window_moves()
    {
        var (s, clock) = await StartAsync();
        await using (s)
        {
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
            for (var i = 0; i < 100; i++) Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
            var (status, body) = await Trace(s, c, new JsonObject());
            Assert.Equal(400, status);
            Assert.Contains("exceeded the limit of 100 in 5 minutes", ExceptionText(body), StringComparison.Ordinal);
            clock.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
        }
    }

    [Fact]
    public async Task The_trace_limit_can_be_shrunk_its_queries_and_refusals_are_counted_and_reset_stats_empties_its_window()
    {
        var (s, clock) = await StartAsync();
        await using (s)
        {
            s.SetLimits(new LimitSettings { MessageTraceQueriesPerWindow = 2, MessageTraceWindowSeconds = 60 });
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
            Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
            Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
            var (status, body) = await Trace(s, c, new JsonObject());
            Assert.Equal(400, status);
            Assert.Contains("exceeded the limit of 2 in 1 minutes", ExceptionText(body), StringComparison.Ordinal);
            Assert.Equal(400, (await Trace(s, c, new JsonObject())).Status);
            var totals = s.Stats.ToJson(s.State)["totals"]!;
            Assert.Equal(2, (long)totals["messageTraceQueries"]!);
            Assert.Equal(2, (long)totals["messageTraceThrottled"]!);
            clock.Advance(TimeSpan.FromSeconds(60));
            Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
            Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
            Assert.Equal(400, (await Trace(s, c, new JsonObject())).Status);
            // reset-stats also empties the trace's window, as it does the mailbox windows.
            s.ResetStats();
            Assert.Equal(0, s.Stats.MessageTraceQueries + s.Stats.MessageTraceThrottled);
            Assert.Equal(200, (await Trace(s, c, new JsonObject())).Status);
        }
    }

    [Fact]
    public async Task Subject_filters_follow_SubjectFilterType_and_refuse_other_types()
    {
        var (s, _) = await StartAsync();
        await using (s)
        {
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
            var window = new JsonObject { ["StartDate"] = Date(Now.AddDays(-5)), ["EndDate"] = Date(Now) };
            JsonObject With(string subject, string type) { var j = (JsonObject)window.DeepClone(); j["Subject"] = subject; j["SubjectFilterType"] = type; return j; }
            var starts = (await Trace(s, c, With("Your invoice", "StartsWith"))).Body!["value"]!.AsArray();
            Assert.NotEmpty(starts);
            Assert.All(starts, r => Assert.StartsWith("Your invoice", (string?)r!["Subject"], StringComparison.OrdinalIgnoreCase));
            Assert.Empty((await Trace(s, c, With("Your invoice", "EndsWith"))).Body!["value"]!.AsArray());
            Assert.Equal(400, (await Trace(s, c, With("x", "Exact"))).Status);
        }
    }
}
