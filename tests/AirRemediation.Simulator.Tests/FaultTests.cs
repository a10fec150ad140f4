using System.Net;
using System.Text.Json.Nodes;
using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Tests;

public sealed class FaultTests
{
    static async Task<string> FirstMessageId(SimulatorServer s, HttpClient c, string upn)
    {
        var list = JsonNode.Parse(await c.GetStringAsync($"{s.Graph}/users/{upn}/messages?$top=1"))!;
        return (string)list["value"]![0]!["id"]!;
    }

    static string FolderOf(SimulatorServer s, string upn)
    {
        var m = s.State.FindUser(upn)!.Mailbox!;
        lock (m.Gate) return string.Join(",", m.Messages.Select(x => m.FolderWellKnownName(x.FolderIndex)));
    }

    [Fact]
    public async Task Server_errors_answer_500_502_503_in_Graphs_shape_without_applying()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var id = await FirstMessageId(s, c, "lynne@contoso.com");
        var before = FolderOf(s, "lynne@contoso.com");
        s.SetFaults(new FaultSettings { ServerErrorRate = 1 });
        var seen = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/users/lynne@contoso.com/messages/{id}/move", "{\"destinationId\":\"deleteditems\"}");
            Assert.Contains(status, new[] { 500, 502, 503 });
            Assert.NotNull((string?)body!["error"]!["code"]);
            Assert.NotNull(body["error"]!["innerError"]!["request-id"]);
            seen.Add(status);
        }
        Assert.Equal(3, seen.Count);
        Assert.Equal(before, FolderOf(s, "lynne@contoso.com"));
    }

    [Fact]
    public async Task Applied_but_504_moves_the_message_and_still_answers_GatewayTimeout()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var list = JsonNode.Parse(await c.GetStringAsync($"{s.Graph}/users/megan@contoso.com/mailFolders/junkemail/messages"))!;
        var id = (string)list["value"]![0]!["id"]!;
        s.SetFaults(new FaultSettings { AppliedButGatewayTimeoutRate = 1 });
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/users/megan@contoso.com/messages/{id}/move", "{\"destinationId\":\"recoverableitemsdeletions\"}");
        Assert.Equal(504, status);
        Assert.Equal("GatewayTimeout", (string?)body!["error"]!["code"]);
        Assert.Equal("recoverableitemsdeletions", FolderOf(s, "megan@contoso.com"));
        var stats = await TestTenant.SimulatorJsonAsync(s, "stats");
        Assert.True((int)stats["totals"]!["gatewayTimeouts"]! >= 1);
    }

    [Fact]
    public async Task Dropped_connections_abort_the_request()
    {
        await using var s = await TestTenant.StartAsync(o => o.DropConnectionRate = 1);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        await Assert.ThrowsAsync<HttpRequestException>(() => c.GetAsync($"{s.Graph}/users/adele@contoso.com/messages"));
        var stats = await TestTenant.SimulatorJsonAsync(s, "stats");
        Assert.Equal(1, (int)stats["totals"]!["droppedConnections"]!);
    }

    [Fact]
    public async Task Short_lived_tokens_set_at_runtime_expire()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestTenant.StartAsync(o => o.Clock = clock);
        using var admin = TestTenant.Client(s);
        var resp = await admin.PostAsync(s.Http + "_simulator/faults", new StringContent("{\"tokenLifetimeSeconds\":1}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var token = await TestTenant.AppTokenAsync(s);
        var claims = TestTenant.Claims(token);
        Assert.Equal(1, (long)claims["exp"]! - (long)claims["iat"]!);
        clock.Advance(TimeSpan.FromSeconds(1.6));
        using var c = TestTenant.Client(s, token);
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users");
        Assert.Equal(401, status);
        Assert.Equal("Lifetime validation failed, the token is expired.", (string?)body!["error"]!["message"]);
    }

    [Fact]
    public async Task Expiring_issued_tokens_refuses_them_and_only_them()
    {
        await using var s = await TestTenant.StartAsync();
        using var admin = TestTenant.Client(s);
        var old = await TestTenant.AppTokenAsync(s);
        using (var c = TestTenant.Client(s, old)) Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users")).Status);
        var resp = await admin.PostAsync(s.Http + "_simulator/expire-tokens", null);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        using (var c = TestTenant.Client(s, old))
        {
            var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users");
            Assert.Equal(401, status);
            Assert.Equal("Lifetime validation failed, the token is expired.", (string?)body!["error"]!["message"]);
        }
        var fresh = await TestTenant.AppTokenAsync(s);
        Assert.NotEqual(old, fresh);
        using (var c = TestTenant.Client(s, fresh)) Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users")).Status);
    }

    [Theory]
    [InlineData("seconds")]
    [InlineData("httpDate")]
    [InlineData("missing")]
    [InlineData("unparseable")]
    public async Task Storms_throttle_chosen_mailboxes_with_the_chosen_Retry_After_style(string style)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestTenant.StartAsync(o => o.Clock = clock);
        using var admin = TestTenant.Client(s);
        var faults = new JsonObject { ["storms"] = new JsonArray(new JsonObject { ["mailboxes"] = new JsonArray("adele@contoso.com"), ["retryAfterSeconds"] = 7, ["retryAfterStyle"] = style, ["durationSeconds"] = 1.5 }) };
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(s.Http + "_simulator/faults", new StringContent(faults.ToJsonString(), System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body, raw) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/users/adele@contoso.com/messages");
        Assert.Equal(429, status);
        Assert.NotNull(body!["error"]);
        var header = raw.Headers.TryGetValues("Retry-After", out var v) ? string.Join(",", v) : null;
        switch (style)
        {
            case "seconds": Assert.Equal("7", header); break;
            case "httpDate": Assert.True(DateTimeOffset.TryParse(header, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var when) && when > clock.GetUtcNow()); break;
            case "missing": Assert.Null(header); break;
            default: Assert.Equal("soon-ish", header); break;
        }
        Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/users/lynne@contoso.com/messages")).Status);
        // Still storming just before the storm's end, not after it.
        clock.Advance(TimeSpan.FromSeconds(1.4));
        Assert.Equal(429, (await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/users/adele@contoso.com/messages")).Status);
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/users/adele@contoso.com/messages")).Status);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_faults()
    {
        async Task<List<int>> Run()
        {
            await using var s = await TestTenant.StartAsync(o => { o.Seed = 7; o.ServerErrorRate = 0.5; });
            using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
            var statuses = new List<int>();
            for (var i = 0; i < 30; i++) statuses.Add((await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/users/adele@contoso.com/messages?$top=1")).Status);
            return statuses;
        }
        var a = await Run();
        var b = await Run();
        Assert.Equal(a, b);
        Assert.Contains(200, a);
        Assert.Contains(a, x => x >= 500);
    }
}
