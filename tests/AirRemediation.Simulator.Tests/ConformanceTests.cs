using System.Text.Json.Nodes;

namespace AirRemediation.Simulator.Tests;

/// <summary>Our answers against Microsoft's published sample responses (GraphSamples/): same property names, same JSON types.</summary>
public sealed class ConformanceTests
{
    static JsonNode Sample(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GraphSamples", name)))!;

    [Fact]
    public async Task Message_move_matches_the_sample()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var list = JsonNode.Parse(await c.GetStringAsync(s.Graph + "/users/adele@contoso.com/messages?$top=1"))!;
        var id = (string)list["value"]![0]!["id"]!;
        var (status, moved, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/users/adele@contoso.com/messages/{id}/move", "{\"destinationId\":\"recoverableitemsdeletions\"}");
        Assert.Equal(201, status);
        Assert.Empty(JsonShape.Diff(Sample("message-move.response.json"), moved));
    }

    [Fact]
    public async Task MessageRules_list_matches_the_sample()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var ours = JsonNode.Parse(await c.GetStringAsync(s.Graph + "/users/adele@contoso.com/mailFolders/inbox/messageRules"))!;
        var sample = Sample("messagerules-list.response.json");
        // Compare the sample's forwarding rule with ours; conditions differ per rule, so only their type is compared.
        var sampleRule = sample["value"]![1]!;
        var ourRule = ours["value"]!.AsArray().First(r => r!["actions"]!["forwardTo"] is not null)!;
        Assert.Empty(JsonShape.Diff(sampleRule, ourRule, "$.value[1]", exact: false, skip: new HashSet<string> { "$.value[1].conditions" }));
        Assert.Empty(JsonShape.Diff(sampleRule["actions"]!["forwardTo"], ourRule["actions"]!["forwardTo"]));
        Assert.Empty(JsonShape.Diff(new JsonObject { ["@odata.context"] = "", ["value"] = new JsonArray() }, ours));
        foreach (var rule in ours["value"]!.AsArray())
        {
            Assert.Empty(JsonShape.Diff(sampleRule, rule, exact: true, skip: new HashSet<string> { "$.conditions", "$.actions" }));
        }
    }

    [Fact]
    public async Task Alert_comments_post_matches_the_sample()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (_, ours, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/security/alerts_v2/da637551227677560813_-961444813/comments", "{\"comment\":\"Demo for docs\"}");
        Assert.Empty(JsonShape.Diff(Sample("security-alert-comments-post.response.json"), ours));
    }

    [Fact]
    public async Task Batch_envelope_and_items_match_the_sample()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret));
        var requests = new JsonObject
        {
            ["requests"] = new JsonArray(
                new JsonObject { ["id"] = "1", ["method"] = "GET", ["url"] = "/users?$select=id,displayName,userPrincipalName&$top=1" },
                new JsonObject { ["id"] = "2", ["method"] = "GET", ["url"] = "/domains" }),
        };
        var (status, ours, _) = await TestTenant.SendAsync(c, HttpMethod.Post, s.Graph + "/$batch", requests.ToJsonString());
        Assert.Equal(200, status);
        var sample = Sample("json-batch.response.json");
        var ok = ours!["responses"]!.AsArray().First(r => (string?)r!["id"] == "1")!;
        var denied = ours["responses"]!.AsArray().First(r => (string?)r!["id"] == "2")!;
        Assert.Equal(403, (int)denied["status"]!);
        Assert.Empty(JsonShape.Diff(sample["responses"]![0], ok, exact: false, skip: new HashSet<string> { "$.headers", "$.body.value" }));
        Assert.Empty(JsonShape.Diff(sample["responses"]![2], denied, exact: false, skip: new HashSet<string> { "$.headers" }));
        Assert.Empty(JsonShape.Diff(sample["responses"]![2]!["body"], denied["body"]));
        Assert.Equal(sample.AsObject().Select(kv => kv.Key), ours.AsObject().Select(kv => kv.Key));
    }

    [Fact]
    public async Task Alerts_list_has_every_property_of_the_sample_alert()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var ours = JsonNode.Parse(await c.GetStringAsync(s.Graph + "/security/alerts_v2?$filter=" + Uri.EscapeDataString("severity eq 'high'")))!;
        var sample = Sample("security-alerts_v2-list.response.json");
        // The sample's evidence is Defender for Endpoint's (device, file, process); compare the alertEvidence base only.
        Assert.Empty(JsonShape.Diff(sample["value"]![0], ours["value"]![0], "$", exact: false, skip: new HashSet<string> { "$.evidence" }));
        var baseEvidence = new JsonObject();
        foreach (var p in new[] { "@odata.type", "createdDateTime", "verdict", "remediationStatus", "remediationStatusDetails", "roles", "detailedRoles", "tags" })
        {
            baseEvidence[p] = sample["value"]![0]!["evidence"]![0]![p]?.DeepClone();
        }
        foreach (var e in ours["value"]![0]!["evidence"]!.AsArray()) Assert.Empty(JsonShape.Diff(baseEvidence, e, exact: false));
    }
}
