using System.Text.Json.Nodes;

namespace AirRemediation.Simulator.Tests;

/// <summary>
/// The admin API answers as live tenants do (docs/EXCHANGE-ADMIN-API.md, "What live clients show"): failures as 400/403
/// with error.message "Invalid Operation" and the exception type in details/innererror, unknown parameters refused.
/// </summary>
public sealed class ExchangeLiveShapeTests
{
    internal static async Task<(int Status, JsonNode? Body, HttpResponseMessage Raw)> Invoke(SimulatorServer s, HttpClient c, string cmdlet, JsonObject parameters,
        string? url = null, Action<HttpRequestMessage>? configure = null)
    {
        var body = new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = cmdlet, ["Parameters"] = parameters } };
        return await TestTenant.SendAsync(c, HttpMethod.Post, url ?? $"{s.Exchange}/adminapi/beta/{s.TenantId}/InvokeCommand", body.ToJsonString(), configure);
    }

    /// <summary>The envelope graph2otel captured live: code BadRequest, message "Invalid Operation", the type as "|Type|text" in details and in innererror.internalexception.</summary>
    private static void AssertLiveEnvelope(JsonNode? body, string exceptionType, string textFragment)
    {
        var error = body!["error"]!;
        Assert.Equal("Invalid Operation", (string?)error["message"]);
        var inner = error["innererror"]!;
        Assert.Equal("Invalid Operation", (string?)inner["message"]);
        Assert.Equal(exceptionType, (string?)inner["internalexception"]!["type"]);
        Assert.Contains(textFragment, (string?)inner["internalexception"]!["message"], StringComparison.Ordinal);
        var detail = (string?)error["details"]![0]!["message"];
        Assert.StartsWith($"|{exceptionType}|", detail, StringComparison.Ordinal);
        Assert.Contains(textFragment, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_object_is_a_400_Invalid_Operation_with_ManagementObjectNotFoundException_inside()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        var (status, body, _) = await Invoke(s, c, "Get-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Entry"] = "never-blocked.example" });
        Assert.Equal(400, status);
        Assert.Equal("BadRequest", (string?)body!["error"]!["code"]);
        AssertLiveEnvelope(body, "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", "never-blocked.example");

        (status, body, _) = await Invoke(s, c, "Get-Mailbox", new JsonObject { ["Identity"] = "nobody@contoso.com" });
        Assert.Equal(400, status);
        AssertLiveEnvelope(body, "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", "nobody@contoso.com");

        (status, body, _) = await Invoke(s, c, "Remove-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Ids"] = new JsonArray("RgAAAAAnope") });
        Assert.Equal(400, status);
        AssertLiveEnvelope(body, "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", "RgAAAAAnope");
    }

    [Fact]
    public async Task A_role_that_does_not_allow_the_cmdlet_is_a_403_Invalid_Operation()
    {
        await using var s = await TestTenant.StartAsync();
        using var reader = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope, TestTenant.ReaderClientId, TestTenant.ReaderSecret));
        var (status, body, _) = await Invoke(s, reader, "Get-AcceptedDomain", []);
        Assert.Equal(403, status);
        Assert.Equal("Invalid Operation", (string?)body!["error"]!["message"]);
        Assert.Contains("RbacAccessDeniedException", (string?)body["error"]!["details"]![0]!["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Get-TenantAllowBlockListItems", "Bogus")]
    [InlineData("New-TenantAllowBlockListItems", "Entry")]
    [InlineData("Remove-TenantAllowBlockListItems", "Value")]
    [InlineData("Get-Mailbox", "Mailbox")]
    [InlineData("Set-Mailbox", "ForwardTo")]
    [InlineData("Get-AcceptedDomain", "Domain")]
    public async Task An_unknown_parameter_is_refused_with_Invalid_cmdlet_parameters_specified_and_changes_nothing(string cmdlet, string unknown)
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, TestTenant.ExchangeScope));
        int count;
        lock (s.State.TablGate) count = s.State.TablEntries.Count;
        var parameters = new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray("unknown-param.example"), ["Identity"] = "lynne@contoso.com", [unknown] = "x" };
        // Each cmdlet gets only its own known parameters besides the unknown one.
        foreach (var name in parameters.Select(kv => kv.Key).ToList())
        {
            var known = cmdlet switch
            {
                "Get-TenantAllowBlockListItems" => name is "ListType" or "Block",
                "New-TenantAllowBlockListItems" => name is "ListType" or "Block" or "Entries",
                "Remove-TenantAllowBlockListItems" => name is "ListType" or "Entries",
                "Get-Mailbox" or "Set-Mailbox" => name is "Identity",
                _ => false,
            };
            if (!known && name != unknown) parameters.Remove(name);
        }
        var (status, body, _) = await Invoke(s, c, cmdlet, parameters);
        Assert.Equal(400, status);
        AssertLiveEnvelope(body, "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException", "Invalid cmdlet parameters specified. " + unknown);
        lock (s.State.TablGate) Assert.Equal(count, s.State.TablEntries.Count);
        lock (s.State.Mailboxes[1].Gate) Assert.Equal("smtp:lynne.personal@outlook.example", s.State.Mailboxes[1].ForwardingSmtpAddress);

        // Names bind case-insensitively, as PowerShell binds them: a known name in another case is not unknown.
        (status, _, _) = await Invoke(s, c, "Get-TenantAllowBlockListItems", new JsonObject { ["listtype"] = "Url", ["BLOCK"] = true });
        Assert.Equal(200, status);
    }
}
