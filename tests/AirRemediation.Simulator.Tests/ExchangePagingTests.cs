using System.Text.Json.Nodes;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Tests;

/// <summary>
/// InvokeCommand's @odata.nextLink, on the strict reading (docs/SIMULATOR.md, open question 19): valid once, within
/// LimitSettings.ExchangeNextLinkLifetimeSeconds on the simulator's clock; otherwise the live 400 "Expired or Invalid
/// pagination request. Default Expiry time is 00:30:00" (Microsoft Q&amp;A 1023619, rknightion/graph2otel).
/// </summary>
public sealed class ExchangePagingTests
{
    const string Text = "Expired or Invalid pagination request. Default Expiry time is 00:30:00";

    static string Body(string cmdlet) =>
        new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = cmdlet, ["Parameters"] = new JsonObject() } }.ToJsonString();

    static Task<(int Status, JsonNode? Body, HttpResponseMessage Raw)> Post(HttpClient c, string url, string cmdlet = "Get-Mailbox") =>
        TestTenant.SendAsync(c, HttpMethod.Post, url, Body(cmdlet), r => r.Headers.Add("Prefer", "odata.maxpagesize=2"));

    static string InvokeUrl(SimulatorServer s) => $"{s.Exchange}/adminapi/beta/{s.TenantId}/InvokeCommand";

    /// <summary>The live shape: innererror only, System.Exception, the text word for word.</summary>
    static void AssertRefused(int status, JsonNode? body)
    {
        Assert.Equal(400, status);
        var error = body!["error"]!;
        Assert.Equal("BadRequest", (string?)error["code"]);
        Assert.Equal("Invalid Operation", (string?)error["message"]);
        Assert.Null(error["details"]);
        Assert.Equal("Microsoft.Exchange.Admin.OData.Core.ODataServiceException", (string?)error["innererror"]!["type"]);
        Assert.Equal(Text, (string?)error["innererror"]!["internalexception"]!["message"]);
        Assert.Equal("System.Exception", (string?)error["innererror"]!["internalexception"]!["type"]);
    }

    /// <summary>The sample tenant with the reader app given Exchange.ManageAsApp and <paramref name="roles"/>.</summary>
    static Task<SimulatorServer> StartWithReaderAsync(string[] roles, FaultSettings? faults = null)
    {
        var doc = ScenarioLoader.ReadFile(TestTenant.ScenarioPath);
        var reader = doc.Apps.Single(a => a.ClientId == TestTenant.ReaderClientId);
        reader.ExchangePermissions.Add("Exchange.ManageAsApp");
        reader.DirectoryRoles.AddRange(roles);
        return SimulatorServer.StartAsync(new SimulatorOptions { Scenario = doc, ScenarioPath = TestTenant.ScenarioPath, Faults = faults });
    }

    static async Task<long> Refused(SimulatorServer s) => (long)(await TestTenant.SimulatorJsonAsync(s, "stats"))["totals"]!["exchangePagingRefused"]!;

    [Fact]
    public async Task A_nextLink_works_once_and_a_replay_is_refused_as_live()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var first = await Post(c, InvokeUrl(s));
        Assert.Equal(200, first.Status);
        var link = (string)first.Body!["@odata.nextLink"]!;

        var second = await Post(c, link);
        Assert.Equal(200, second.Status);
        Assert.Equal(2, second.Body!["value"]!.AsArray().Count);

        var replay = await Post(c, link);
        AssertRefused(replay.Status, replay.Body);
        Assert.Equal(1, await Refused(s));
    }

    [Fact]
    public async Task A_nextLink_expires_after_its_lifetime_on_the_simulators_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestTenant.StartAsync(o => o.Clock = clock);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        Assert.Equal(1800, s.Limits.ExchangeNextLinkLifetimeSeconds);

        // Used just inside its 30 minutes: served, and the page it answers links on.
        var first = await Post(c, InvokeUrl(s));
        clock.Advance(TimeSpan.FromSeconds(1799));
        var inTime = await Post(c, (string)first.Body!["@odata.nextLink"]!);
        Assert.Equal(200, inTime.Status);

        // Used just after: refused, although never used before (with a new access token: the first one has run out too).
        var late = (string)inTime.Body!["@odata.nextLink"]!;
        clock.Advance(TimeSpan.FromSeconds(1801));
        using var renewed = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var expired = await Post(renewed, late);
        AssertRefused(expired.Status, expired.Body);

        // The lifetime is the limit's, set at run time.
        s.SetLimits(new LimitSettings { ExchangeNextLinkLifetimeSeconds = 5 });
        var again = await Post(renewed, InvokeUrl(s));
        clock.Advance(TimeSpan.FromSeconds(6));
        var shortLived = await Post(renewed, (string)again.Body!["@odata.nextLink"]!);
        AssertRefused(shortLived.Status, shortLived.Body);
        Assert.Equal(2, await Refused(s));
    }

    [Fact]
    public async Task Forged_foreign_and_other_cmdlets_tokens_are_refused_before_anything_runs()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        // A token the simulator never issued (the offset-style token it used to accept, and plain garbage).
        foreach (var forged in new[] { "RFNwdAIAAQAAAb2ZmOjI6YWlyc2lt", "airsim-page-00000000000000000000000000000000", "" })
        {
            var r = await Post(c, InvokeUrl(s) + "?%24skiptoken=" + Uri.EscapeDataString(forged));
            AssertRefused(r.Status, r.Body);
        }

        // A link issued for Get-Mailbox is no continuation of another cmdlet; and that attempt spends it.
        var link = (string)(await Post(c, InvokeUrl(s))).Body!["@odata.nextLink"]!;
        var other = await Post(c, link, "Get-AcceptedDomain");
        AssertRefused(other.Status, other.Body);
        var after = await Post(c, link);
        AssertRefused(after.Status, after.Body);
        Assert.Equal(5, await Refused(s));
    }

    [Fact]
    public async Task Another_app_cannot_continue_an_apps_listing()
    {
        // The reader app may run Get-Mailbox here (Exchange.ManageAsApp and Global Reader), so only the link's owner decides.
        await using var s = await StartWithReaderAsync(["Global Reader"]);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope, TestTenant.ReaderClientId, TestTenant.ReaderSecret));
        Assert.Equal(200, (await Post(reader, InvokeUrl(s))).Status);

        var mine = (string)(await Post(c, InvokeUrl(s))).Body!["@odata.nextLink"]!;
        var foreign = await Post(reader, mine);
        AssertRefused(foreign.Status, foreign.Body);
    }

    [Fact]
    public async Task An_RBAC_refusal_can_come_as_a_body_of_NUL_bytes_as_live()
    {
        // Live (graph2otel): Exchange.ManageAsApp without a directory role is answered 403 with NUL bytes.
        await using var s = await StartWithReaderAsync([], new FaultSettings { ExchangeForbiddenNulBody = true });
        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope, TestTenant.ReaderClientId, TestTenant.ReaderSecret));
        using var response = await reader.PostAsync(InvokeUrl(s), new StringContent(Body("Get-AcceptedDomain"), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.NotEmpty(bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }
}
