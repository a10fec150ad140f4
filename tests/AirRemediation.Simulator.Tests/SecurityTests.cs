using System.Text.Json.Nodes;

namespace AirRemediation.Simulator.Tests;

public sealed class SecurityTests
{
    const string AlertId = "fa8e5a1c2d3e4f5a6b7c8d9e0f1a2b3c4d_-1234567890";

    [Fact]
    public async Task Alerts_hide_late_enum_members_unless_the_client_opts_in()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/security/alerts_v2/{AlertId}");
        Assert.Equal(200, status);
        Assert.Equal("#microsoft.graph.security.alert", (string?)body!["@odata.type"]);
        Assert.Equal("pendingApproval", (string?)body["investigationState"]);
        var evidence = body["evidence"]!.AsArray();
        Assert.Equal("#microsoft.graph.security.analyzedMessageEvidence", (string?)evidence[0]!["@odata.type"]);
        Assert.Equal("unknownFutureValue", (string?)evidence[0]!["remediationStatus"]);
        Assert.Contains(evidence, e => (string?)e!["@odata.type"] == "#microsoft.graph.security.mailClusterEvidence");
        Assert.Contains(evidence, e => (string?)e!["@odata.type"] == "#microsoft.graph.security.mailboxConfigurationEvidence");
        Assert.Equal("none", (string?)evidence.First(e => (string?)e!["@odata.type"] == "#microsoft.graph.security.mailboxEvidence")!["remediationStatus"]);

        (_, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/security/alerts_v2/{AlertId}", configure: r => r.Headers.Add("Prefer", "include-unknown-enum-members"));
        Assert.Equal("pendingApproval", (string?)body!["evidence"]![0]!["remediationStatus"]);
    }

    [Fact]
    public async Task Alerts_list_filters_and_pages()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (_, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/security/alerts_v2?$filter=" + Uri.EscapeDataString("status eq 'new' and serviceSource eq 'microsoftDefenderForOffice365' and createdDateTime ge 2026-11-01T00:00:00Z"));
        Assert.Equal(AlertId, (string?)Assert.Single(body!["value"]!.AsArray())!["id"]);
        (_, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/security/alerts_v2?$top=1");
        Assert.Single(body!["value"]!.AsArray());
        var next = (string)body["@odata.nextLink"]!;
        (_, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, next);
        Assert.Single(body!["value"]!.AsArray());
        Assert.Null(body["@odata.nextLink"]);
    }

    [Fact]
    public async Task Patch_updates_status_and_refuses_unknown_values()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Patch, $"{s.Graph}/security/alerts_v2/{AlertId}", "{\"status\":\"resolved\",\"classification\":\"truePositive\",\"determination\":\"phishing\",\"assignedTo\":\"megan@contoso.com\"}");
        Assert.Equal(200, status);
        Assert.Equal("resolved", (string?)body!["status"]);
        Assert.NotNull((string?)body["resolvedDateTime"]);
        (status, _, _) = await TestTenant.SendAsync(c, HttpMethod.Patch, $"{s.Graph}/security/alerts_v2/{AlertId}", "{\"status\":\"done\"}");
        Assert.Equal(400, status);

        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret));
        (status, body, _) = await TestTenant.SendAsync(reader, HttpMethod.Patch, $"{s.Graph}/security/alerts_v2/{AlertId}", "{\"status\":\"new\"}");
        Assert.Equal(403, status);
        Assert.NotNull(body!["error"]!["innerError"]);
    }

    [Fact]
    public async Task Comments_take_one_object_and_answer_with_the_whole_list_an_array_is_Empty_Payload()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var url = $"{s.Graph}/security/alerts_v2/da637551227677560813_-961444813/comments";
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Post, url, "{\"@odata.type\":\"microsoft.graph.security.alertComment\",\"comment\":\"Approved by AirRemediation\"}");
        Assert.Equal(200, status);
        var list = body!["value"]!.AsArray();
        Assert.Equal(2, list.Count);
        Assert.Equal("Approved by AirRemediation", (string?)list[1]!["comment"]);
        Assert.Equal("AirRemediation Automation", (string?)list[1]!["createdByDisplayName"]);

        (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Post, url, "[{\"comment\":\"x\"}]");
        Assert.Equal(400, status);
        Assert.Equal("Empty Payload. JSON content expected.", (string?)body!["error"]!["message"]);
    }

    [Fact]
    public async Task AnalyzedEmails_filter_by_network_message_id_and_remediate_soft_deletes()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var filter = Uri.EscapeDataString("networkMessageId eq '8b1f3c2e-5d4a-4e6b-9c7d-0e1f2a3b4c5d'");
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, $"{s.Graph}/security/collaboration/analyzedEmails?$filter={filter}&startTime=2026-11-01T00:00:00Z&endTime=2026-11-30T00:00:00Z");
        Assert.Equal(200, status);
        var copies = body!["value"]!.AsArray();
        Assert.Equal(3, copies.Count);
        Assert.All(copies, x => Assert.Equal("<phish-0001@fabrikam-payments.example>", (string?)x!["internetMessageId"]));

        var items = new JsonArray([.. copies.Take(2).Select(x => (JsonNode)new JsonObject { ["networkMessageId"] = (string?)x!["networkMessageId"], ["recipientEmailAddress"] = (string?)x["recipientEmailAddress"] })]);
        var request = new JsonObject { ["displayName"] = "Clean up phish", ["description"] = "Soft delete", ["severity"] = "medium", ["action"] = "softDelete", ["remediateSendersCopy"] = false, ["analyzedEmails"] = items };
        var (st, rb, raw) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/security/collaboration/analyzedEmails/remediate", request.ToJsonString());
        Assert.Equal(202, st);
        Assert.Null(rb);
        Assert.StartsWith("https://security.microsoft.com/action-center/history?filters=", raw.Headers.Location!.OriginalString);
        Assert.Contains($"&tid={TestTenant.TenantId}", raw.Headers.Location.OriginalString);

        var state = await TestTenant.SimulatorJsonAsync(s, "state");
        var folders = state["mailboxes"]!.AsArray().SelectMany(m => m!["messages"]!.AsArray())
            .Where(m => (string?)m!["internetMessageId"] == "<phish-0001@fabrikam-payments.example>").Select(m => (string?)m!["folder"]).ToList();
        Assert.Equal(2, folders.Count(f => f == "recoverableitemsdeletions"));

        // Delegated tokens are refused: the API is application-only.
        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret));
        Assert.Equal(403, (await TestTenant.SendAsync(reader, HttpMethod.Get, $"{s.Graph}/security/collaboration/analyzedEmails")).Status);
    }

    [Fact]
    public async Task Inbox_rules_list_patch_delete_and_read_only_rules_refuse()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var url = $"{s.Graph}/users/adele@contoso.com/mailFolders/inbox/messageRules";
        var (_, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, url);
        var rules = body!["value"]!.AsArray();
        Assert.Equal(3, rules.Count);
        var fwd = rules.First(r => r!["actions"]!["forwardTo"] is not null)!;
        var readOnly = rules.First(r => (bool)r!["isReadOnly"]!)!;

        var (st, patched, _) = await TestTenant.SendAsync(c, HttpMethod.Patch, $"{url}/{fwd["id"]}", "{\"isEnabled\":false,\"actions\":{\"stopProcessingRules\":false}}");
        Assert.Equal(200, st);
        Assert.False((bool)patched!["isEnabled"]!);
        Assert.Null(patched["actions"]!["forwardTo"]);

        Assert.Equal(403, (await TestTenant.SendAsync(c, HttpMethod.Patch, $"{url}/{readOnly["id"]}", "{\"isEnabled\":false}")).Status);
        Assert.Equal(403, (await TestTenant.SendAsync(c, HttpMethod.Delete, $"{url}/{readOnly["id"]}")).Status);
        Assert.Equal(204, (await TestTenant.SendAsync(c, HttpMethod.Delete, $"{url}/{fwd["id"]}")).Status);
        Assert.Equal(404, (await TestTenant.SendAsync(c, HttpMethod.Get, $"{url}/{fwd["id"]}")).Status);

        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret));
        var (rs, rbody, _) = await TestTenant.SendAsync(reader, HttpMethod.Get, url);
        Assert.Equal(403, rs);
        Assert.Equal("ErrorAccessDenied", (string?)rbody!["error"]!["code"]);
    }
}
