using System.Text.Json.Nodes;
using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Tests;

public sealed class BatchTests
{
    static JsonObject Item(string id, string method, string url, JsonObject? body = null, params string[] dependsOn)
    {
        var o = new JsonObject { ["id"] = id, ["method"] = method, ["url"] = url };
        if (body is not null)
        {
            o["body"] = body;
            o["headers"] = new JsonObject { ["Content-Type"] = "application/json" };
        }
        if (dependsOn.Length > 0) o["dependsOn"] = new JsonArray([.. dependsOn.Select(d => (JsonNode)d)]);
        return o;
    }

    static async Task<(int Status, JsonNode? Body)> Post(SimulatorServer s, HttpClient c, params JsonObject[] items)
    {
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Post, s.Graph + "/$batch", new JsonObject { ["requests"] = new JsonArray(items) }.ToJsonString());
        return (status, body);
    }

    [Fact]
    public async Task Items_run_through_the_pipeline_with_their_own_status_and_failed_dependencies_get_424()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var id = s.State.Mailboxes[1].Messages[1].Seq;
        var msgId = State.ItemIds.RestId(1, id, 0);
        var (status, body) = await Post(s, c,
            Item("1", "GET", "/users/adele@contoso.com/messages?$select=subject&$top=2"),
            Item("2", "POST", $"/users/lynne@contoso.com/messages/{msgId}/move", new JsonObject { ["destinationId"] = "deleteditems" }),
            Item("3", "GET", "/users/ghost@contoso.com/messages"),
            Item("4", "GET", "/users/adele@contoso.com/messages", null, "3"),
            Item("5", "GET", "/users/adele@contoso.com/mailFolders/inbox/messageRules", null, "1"));
        Assert.Equal(200, status);
        var r = body!["responses"]!.AsArray().ToDictionary(x => (string)x!["id"]!, x => x!);
        Assert.Equal(200, (int)r["1"]["status"]!);
        Assert.Equal(2, r["1"]["body"]!["value"]!.AsArray().Count);
        Assert.Equal(201, (int)r["2"]["status"]!);
        Assert.Equal(404, (int)r["3"]["status"]!);
        Assert.Equal("ErrorInvalidUser", (string?)r["3"]["body"]!["error"]!["code"]);
        Assert.Equal(424, (int)r["4"]["status"]!);
        Assert.Equal(200, (int)r["5"]["status"]!);
        Assert.StartsWith("application/json", (string?)r["1"]["headers"]!["Content-Type"]);
    }

    [Fact]
    public async Task Envelope_rules_more_than_20_or_duplicate_ids_are_400_and_no_token_is_401()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body) = await Post(s, c, [.. Enumerable.Range(1, 21).Select(i => Item(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "GET", "/users"))]);
        Assert.Equal(400, status);
        Assert.Equal("BadRequest", (string?)body!["error"]!["code"]);
        (status, _) = await Post(s, c, Item("a", "GET", "/users"), Item("A", "GET", "/domains"));
        Assert.Equal(400, status);
        using var anon = TestTenant.Client(s);
        (status, body) = await Post(s, anon, Item("1", "GET", "/users"));
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Throttled_items_carry_their_own_Retry_After()
    {
        await using var s = await TestTenant.StartAsync(o => o.Faults = new FaultSettings
        {
            Storms = [new StormSpec { Mailboxes = ["adele@contoso.com"], RetryAfterSeconds = 9, DurationSeconds = 60 }],
        });
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (_, body) = await Post(s, c, Item("1", "GET", "/users/adele@contoso.com/messages"), Item("2", "GET", "/users/lynne@contoso.com/messages"));
        var r = body!["responses"]!.AsArray().ToDictionary(x => (string)x!["id"]!, x => x!);
        Assert.Equal(429, (int)r["1"]["status"]!);
        Assert.Equal("9", (string?)r["1"]["headers"]!["Retry-After"]);
        Assert.Equal(200, (int)r["2"]["status"]!);
    }

    [Fact]
    public async Task Eight_items_for_one_mailbox_run_at_most_four_at_a_time_and_all_succeed()
    {
        await using var s = await TestTenant.StartAsync(o => o.LatencyMs = 300);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body) = await Post(s, c, [.. Enumerable.Range(1, 8).Select(i => Item(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "GET", "/users/adele@contoso.com/messages?$top=1"))]);
        Assert.Equal(200, status);
        Assert.All(body!["responses"]!.AsArray(), r => Assert.Equal(200, (int)r!["status"]!));
        var stats = await TestTenant.SimulatorJsonAsync(s, "stats");
        Assert.Equal(4, (int)stats["mailboxes"]!["adele@contoso.com"]!["maxConcurrency"]!);
    }
}
