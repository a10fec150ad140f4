using System.Text.Json.Nodes;

namespace AirRemediation.Simulator.Tests;

public sealed class MailQueryTests
{
    static async Task<(int Status, JsonNode? Body)> Get(SimulatorServer s, HttpClient c, string relative)
    {
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + relative);
        return (status, body);
    }

    [Theory]
    [InlineData("receivedDateTime ge 2026-11-26T00:00:00Z", 1)]
    [InlineData("receivedDateTime lt 2026-11-26T00:00:00Z and hasAttachments eq true", 1)]
    [InlineData("(subject eq 'Weekly report' or subject eq 'Your invoice is overdue') and hasAttachments eq false", 1)]
    [InlineData("from/emailAddress/address eq 'BILLING@fabrikam-payments.example'", 1)]
    [InlineData("subject ne 'Weekly report'", 2)]
    [InlineData("internetMessageId eq '<o''brien-1@partner.example>'", 1)]
    public async Task Supported_filters_match(string filter, int expected)
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body) = await Get(s, c, "/users/adele@contoso.com/messages?$filter=" + Uri.EscapeDataString(filter));
        Assert.Equal(200, status);
        Assert.Equal(expected, body!["value"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("$filter=contains(subject,'invoice')", "ErrorInvalidUrlQueryFilter")]
    [InlineData("$filter=startswith(subject,'Your')", "ErrorInvalidUrlQueryFilter")]
    [InlineData("$filter=not (isRead eq true)", "ErrorInvalidUrlQueryFilter")]
    [InlineData("$filter=importance eq 'high'", "ErrorInvalidUrlQueryFilter")]
    [InlineData("$filter=nosuchprop eq 'x'", "BadRequest")]
    [InlineData("$filter=subject eq 'unterminated", "BadRequest")]
    [InlineData("$filter=subject eq", "BadRequest")]
    [InlineData("$filter=receivedDateTime ge '2026-01-01'", "BadRequest")]
    [InlineData("$filter=subject eq 'x'&$orderby=receivedDateTime desc", "InefficientFilter")]
    [InlineData("$top=1001", "ErrorInvalidUrlQuery")]
    [InlineData("$search=\"invoice\"", "BadRequest")]
    [InlineData("$select=nosuch", "BadRequest")]
    public async Task Filters_outside_the_subset_get_Graphs_400(string query, string code)
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body) = await Get(s, c, "/users/adele@contoso.com/messages?" + query);
        Assert.Equal(400, status);
        Assert.Equal(code, (string?)body!["error"]!["code"]);
        Assert.NotNull(body["error"]!["innerError"]);
    }

    [Fact]
    public async Task Paging_follows_nextLink_with_skip_in_receivedDateTime_order()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var url = s.Graph + "/users/adele@contoso.com/messages?$top=1&$select=subject,receivedDateTime&$orderby=receivedDateTime desc";
        var seen = new List<string>();
        while (url is not null)
        {
            var body = JsonNode.Parse(await c.GetStringAsync(url))!;
            seen.AddRange(body["value"]!.AsArray().Select(v => (string)v!["receivedDateTime"]!));
            url = (string?)body["@odata.nextLink"];
            if (url is not null) Assert.Contains("%24skip=", url);
        }
        Assert.Equal(3, seen.Count);
        Assert.Equal(seen.OrderByDescending(x => x, StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task Move_reads_the_body_property_case_insensitively_and_old_ids_die()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (_, list) = await Get(s, c, "/users/megan@contoso.com/mailFolders/junkemail/messages");
        var id = (string)list!["value"]![0]!["id"]!;
        foreach (var (body, expect) in new[] { ("{\"DestinationId\":\"deleteditems\"}", 201), ("{\"destinationId\":\"inbox\"}", 404) })
        {
            var (status, resp, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/users/megan@contoso.com/messages/{id}/move", body);
            Assert.Equal(expect, status);
            if (status == 404) Assert.Equal("ErrorItemNotFound", (string?)resp!["error"]!["code"]);
        }
        var (st, bad, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/users/megan@contoso.com/messages/not-an-id/move", "{\"destinationId\":\"inbox\"}");
        Assert.Equal(400, st);
        Assert.Equal("ErrorInvalidIdMalformed", (string?)bad!["error"]!["code"]);
    }

    [Fact]
    public async Task Custom_folders_are_addressed_by_id_not_by_display_name()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (_, folders) = await Get(s, c, "/users/adele@contoso.com/mailFolders");
        var invoices = folders!["value"]!.AsArray().First(f => (string?)f!["displayName"] == "Invoices")!;
        var (byName, err) = await Get(s, c, "/users/adele@contoso.com/mailFolders/Invoices/messages");
        Assert.Equal(400, byName);
        Assert.Equal("ErrorInvalidIdMalformed", (string?)err!["error"]!["code"]);
        var (byId, list) = await Get(s, c, $"/users/adele@contoso.com/mailFolders/{invoices["id"]}/messages");
        Assert.Equal(200, byId);
        Assert.Equal("Re: O'Brien contract", (string?)Assert.Single(list!["value"]!.AsArray())!["subject"]);
        var (wellKnown, _) = await Get(s, c, "/users/adele@contoso.com/mailFolders/Inbox/messages");
        Assert.Equal(200, wellKnown);
    }
}
