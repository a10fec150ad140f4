using System.Text.Json.Nodes;
using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Tests;

public sealed class ExchangeTests
{
    static async Task<(int Status, JsonNode? Body)> Invoke(SimulatorServer s, HttpClient c, string cmdlet, JsonObject parameters, string? anchor = null)
    {
        var body = new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = cmdlet, ["Parameters"] = parameters } };
        var (status, json, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Exchange}/adminapi/beta/{s.TenantId}/InvokeCommand", body.ToJsonString(),
            r => { if (anchor is not null) r.Headers.Add("X-AnchorMailbox", anchor); });
        return (status, json);
    }

    [Fact]
    public async Task Set_Mailbox_turns_off_forwarding_and_Get_Mailbox_shows_it()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var (status, body) = await Invoke(s, c, "Get-Mailbox", new JsonObject { ["Identity"] = "lynne@contoso.com" }, "UPN:lynne@contoso.com");
        Assert.Equal(200, status);
        Assert.Equal("#Collection(String)", (string?)body!["adminapi.warnings@odata.type"]);
        Assert.Contains("$metadata#Collection(Exchange.GenericHashTable)", (string?)body["@odata.context"]);
        var mbx = Assert.Single(body["value"]!.AsArray())!;
        Assert.Equal("smtp:lynne.personal@outlook.example", (string?)mbx["ForwardingSmtpAddress"]);
        Assert.True((bool)mbx["DeliverToMailboxAndForward"]!);

        (status, body) = await Invoke(s, c, "Set-Mailbox", new JsonObject { ["Identity"] = "lynne@contoso.com", ["ForwardingSmtpAddress"] = null, ["ForwardingAddress"] = null, ["DeliverToMailboxAndForward"] = false });
        Assert.Equal(200, status);
        Assert.Empty(body!["value"]!.AsArray());
        lock (s.State.Mailboxes[1].Gate)
        {
            Assert.Null(s.State.Mailboxes[1].ForwardingSmtpAddress);
            Assert.False(s.State.Mailboxes[1].DeliverToMailboxAndForward);
        }
        (_, body) = await Invoke(s, c, "Set-Mailbox", new JsonObject { ["Identity"] = "lynne@contoso.com", ["ForwardingSmtpAddress"] = null });
        Assert.Single(body!["@adminapi.warnings"]!.AsArray());

        (status, body) = await Invoke(s, c, "Get-Mailbox", new JsonObject { ["Identity"] = "nobody@contoso.com" });
        Assert.Equal(400, status);  // live: a missing object is 400 "Invalid Operation" (ManagementObjectNotFoundException)
        Assert.Contains("couldn't be found", (string?)body!["error"]!["details"]![0]!["message"]);
        Assert.NotNull(body["error"]!["innererror"]);
    }

    [Fact]
    public async Task TABL_block_entries_follow_the_url_syntax_rules_and_default_to_30_days()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var (status, body) = await Invoke(s, c, "New-TenantAllowBlockListItems", new JsonObject
        {
            ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray("fabrikam-payments.example/pay", "*.evil.example", "~phish.example"), ["Notes"] = "AIR",
        });
        Assert.Equal(200, status);
        var created = body!["value"]!.AsArray();
        Assert.Equal(3, created.Count);
        var expires = DateTimeOffset.Parse((string)created[0]!["ExpirationDate"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange((expires - DateTimeOffset.UtcNow).TotalDays, 29.9, 30.1);

        foreach (var bad in new[] { "https://contoso.com", "contoso.com:8080", "user:pw@contoso.com", "contoso.com/a*b", "co*ntoso.com", "contoso", "t.c", "bücher.example", "contoso.com/file.exe", "1.2.3.*", new string('a', 251) + ".com" })
        {
            (status, body) = await Invoke(s, c, "New-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray(bad) });
            Assert.True(status == 400, bad);
            Assert.Contains("is invalid", (string?)body!["error"]!["details"]![0]!["message"]);
        }
        (status, _) = await Invoke(s, c, "New-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray("t.co", "*.contoso.com/*", "203.0.113.9", "xn--bcher-kva.example") });
        Assert.Equal(200, status);

        (status, body) = await Invoke(s, c, "New-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["NoExpiration"] = true, ["OutputJson"] = true, ["Entries"] = new JsonArray("ok.example", "https://bad.example") });
        Assert.Equal(200, status);
        // -OutputJson: every entry's result in ONE JSON value, which over REST is a single string in value[].
        var text = (string)Assert.Single(body!["value"]!.AsArray())!;
        var entries = JsonNode.Parse(text)!.AsArray();
        Assert.Contains(entries, v => (string?)v!["Error"] is not null && (string?)v["Value"] == "https://bad.example");
        Assert.Contains(entries, v => (string?)v!["Value"] == "ok.example" && v["ExpirationDate"] is null);

        (status, body) = await Invoke(s, c, "Get-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Entry"] = "*.evil.example" });
        Assert.Equal(200, status);
        var id = (string)Assert.Single(body!["value"]!.AsArray())!["Identity"]!;
        (status, _) = await Invoke(s, c, "Remove-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Ids"] = new JsonArray(id) });
        Assert.Equal(200, status);
        (status, body) = await Invoke(s, c, "Get-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Entry"] = "*.evil.example" });
        Assert.Equal(400, status);
        Assert.Contains("ManagementObjectNotFoundException", (string?)body!["error"]!["details"]![0]!["message"]);
    }

    [Fact]
    public async Task TABL_refuses_entries_beyond_the_license_limit()
    {
        var doc = State.ScenarioLoader.ReadFile(TestTenant.ScenarioPath);
        doc.Tenant.License = "EOP";
        doc.TablEntries = [.. Enumerable.Range(0, 499).Select(i => new TablEntrySpec { Value = $"bad{i}.example", ExpirationDate = DateTimeOffset.UtcNow.AddDays(5) })];
        await using var s = await TestTenant.StartAsync(o => o.Scenario = doc);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var (status, body) = await Invoke(s, c, "New-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray("one.example", "two.example") });
        Assert.Equal(400, status);
        Assert.Equal("Invalid Operation", (string?)body!["error"]!["message"]);
        Assert.Contains("500", (string?)body["error"]!["innererror"]!["internalexception"]!["message"]);
        (status, _) = await Invoke(s, c, "New-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray("one.example") });
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Exchange_needs_an_outlook_token_with_ManageAsApp_and_a_role()
    {
        await using var s = await TestTenant.StartAsync();
        using var graphToken = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        Assert.Equal(401, (await Invoke(s, graphToken, "Get-AcceptedDomain", [])).Status);
        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope, TestTenant.ReaderClientId, TestTenant.ReaderSecret));
        var (status, body) = await Invoke(s, reader, "Get-AcceptedDomain", []);
        Assert.Equal(403, status);
        Assert.NotNull(body!["error"]!["details"]);
        using var ok = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        (status, body) = await Invoke(s, ok, "Get-AcceptedDomain", []);
        Assert.Equal(200, status);
        Assert.Contains(body!["value"]!.AsArray(), d => (string?)d!["DomainName"] == "contoso.com");
        (status, _) = await Invoke(s, ok, "Get-InboxRule", new JsonObject { ["Mailbox"] = "adele@contoso.com" });
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Get_InboxRule_shows_forwarding_and_Disable_InboxRule_turns_it_off()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var (_, body) = await Invoke(s, c, "Get-InboxRule", new JsonObject { ["Mailbox"] = "adele@contoso.com" });
        var fwd = body!["value"]!.AsArray().First(r => r!["ForwardTo"] is not null)!;
        Assert.Equal("\"Exfil\" [SMTP:collector@exfil.example]", (string?)fwd["ForwardTo"]![0]);
        var (status, _) = await Invoke(s, c, "Disable-InboxRule", new JsonObject { ["Mailbox"] = "adele@contoso.com", ["Identity"] = (string)fwd["Identity"]! });
        Assert.Equal(200, status);
        (_, body) = await Invoke(s, c, "Get-InboxRule", new JsonObject { ["Mailbox"] = "adele@contoso.com", ["Identity"] = (string)fwd["RuleIdentity"]! });
        Assert.False((bool)Assert.Single(body!["value"]!.AsArray())!["Enabled"]!);
    }

    [Fact]
    public async Task Paging_uses_maxpagesize_and_nextLink_with_the_same_body()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var body = new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = "Get-Mailbox", ["Parameters"] = new JsonObject() } }.ToJsonString();
        var url = $"{s.Exchange}/adminapi/beta/{s.TenantId}/InvokeCommand";
        var names = new List<string>();
        while (url is not null)
        {
            var (status, json, _) = await TestTenant.SendAsync(c, HttpMethod.Post, url, body, r => r.Headers.Add("Prefer", "odata.maxpagesize=2"));
            Assert.Equal(200, status);
            names.AddRange(json!["value"]!.AsArray().Select(v => (string)v!["UserPrincipalName"]!));
            url = (string?)json["@odata.nextLink"];
        }
        Assert.Equal(s.State.Mailboxes.Count, names.Count);
    }

    [Fact]
    public async Task Storms_reach_Exchange_calls_through_the_anchor_mailbox_and_Identity()
    {
        await using var s = await TestTenant.StartAsync(o => o.Faults = new FaultSettings
        {
            Storms = [new StormSpec { Mailboxes = ["lynne@contoso.com"], RetryAfterSeconds = 4, DurationSeconds = 60 }],
        });
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        Assert.Equal(429, (await Invoke(s, c, "Get-Mailbox", new JsonObject { ["Identity"] = "lynne" })).Status);
        Assert.Equal(429, (await Invoke(s, c, "Get-AcceptedDomain", [], "UPN:lynne@contoso.com")).Status);
        Assert.Equal(200, (await Invoke(s, c, "Get-Mailbox", new JsonObject { ["Identity"] = "adele@contoso.com" })).Status);
    }
}
