using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.Exchange;

/// <summary>The Exchange admin client against the simulator: paging, error mapping and the shared retry policy.</summary>
public sealed class ExchangeAdminClientTests
{
    private static Dictionary<string, object?> P(params (string Name, object? Value)[] ps) => ps.ToDictionary(p => p.Name, p => p.Value);

    [Fact]
    public async Task Follows_nextLink_until_every_page_is_read()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var caller = SimulatedTenant.Caller(session);
        var client = new ExchangeAdminClient(session, caller) { PageSize = 2 };
        var entries = Enumerable.Range(1, 6).Select(i => $"paging{i}.example").ToList();
        await client.InvokeAsync("New-TenantAllowBlockListItems", P(("ListType", "Url"), ("Block", true), ("Entries", entries), ("OutputJson", true)), null, default);
        var before = caller.Totals.Requests;
        var served = Interlocked.Read(ref s.Stats.TotalRequests);

        var all = await client.InvokeAsync("Get-TenantAllowBlockListItems", P(("ListType", "Url"), ("Block", true)), null, default);

        // The scenario's one entry plus six: four pages of two.
        Assert.Equal(7, all.Values.Count);
        Assert.Equal(7, all.Values.Select(v => (string?)v["Identity"]).Distinct().Count());
        foreach (var e in entries) Assert.Contains(all.Values, v => (string?)v["Value"] == e);
        // Four requests, one per page (2 + 2 + 2 + 1), as sent by the client and as served by the simulator.
        Assert.Equal(4, caller.Totals.Requests - before);
        Assert.Equal(4, Interlocked.Read(ref s.Stats.TotalRequests) - served);
    }

    [Fact]
    public async Task A_missing_object_is_NotFound_with_the_cmdlets_own_message()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var client = new ExchangeAdminClient(session, SimulatedTenant.Caller(session));
        var e = await Assert.ThrowsAsync<ServiceCallException>(() =>
            client.InvokeAsync("Get-TenantAllowBlockListItems", P(("ListType", "Url"), ("Entry", "never-blocked.example")), null, default));
        // Live, Exchange answers a missing object with 400 "Invalid Operation"; the exception type says what it is.
        Assert.Equal(FailureKind.NotFound, e.Kind);
        Assert.Equal(400, e.Status);
        Assert.Equal("ManagementObjectNotFoundException", e.Code);
        Assert.Equal("Entry 'never-blocked.example' couldn't be found.", e.Message);

        var gone = await Assert.ThrowsAsync<ServiceCallException>(() =>
            client.InvokeAsync("Remove-TenantAllowBlockListItems", P(("ListType", "Url"), ("Ids", new[] { "RgAAAAAgone" })), null, default));
        Assert.Equal(FailureKind.NotFound, gone.Kind);
        Assert.Equal(AirErrorKind.NotFound, gone.ToErrorKind());
    }

    [Theory]
    // Shapes as graph2otel pinned them from a live tenant (error.message is always "Invalid Operation"): the type in
    // innererror only, in details only ("|Type|text"), or in both; and the status says nothing about the kind.
    [InlineData(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Invalid Operation\",\"innererror\":{\"message\":\"Invalid Operation\",\"type\":\"Microsoft.Exchange.Admin.OData.Core.ODataServiceException\",\"internalexception\":{\"message\":\"The object 'x' couldn't be found.\",\"type\":\"Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException\"}}}}", "NotFound", "ManagementObjectNotFoundException", "The object 'x' couldn't be found.")]
    [InlineData(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Invalid Operation\",\"details\":[{\"code\":\"Client\",\"target\":\"\",\"message\":\"|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The object 'y' couldn't be found.\"}]}}", "NotFound", "ManagementObjectNotFoundException", "The object 'y' couldn't be found.")]
    [InlineData(403, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Invalid Operation\",\"details\":[{\"code\":\"Client\",\"target\":\"\",\"message\":\"|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The object 'z' couldn't be found.\"}]}}", "NotFound", "ManagementObjectNotFoundException", "The object 'z' couldn't be found.")]
    [InlineData(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Invalid Operation\",\"details\":[{\"code\":\"Client\",\"target\":\"\",\"message\":\"|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. Bogus\"}]}}", "Rejected", "AmbiguousParameterSetException", "Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. Bogus")]
    [InlineData(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Invalid Operation\",\"details\":[{\"code\":\"Client\",\"target\":\"\",\"message\":\"|Microsoft.Exchange.Configuration.Tasks.RbacAccessDeniedException|Access denied.\"}]}}", "Forbidden", "RbacAccessDeniedException", "Access denied.")]
    public void Exchange_errors_are_classified_by_exception_type_before_status(int status, string body, string kind, string code, string message)
    {
        var e = ExchangeAdminClient.ToException(status, body, null, TestClock.Start);
        Assert.Equal(Enum.Parse<FailureKind>(kind), e.Kind);
        Assert.Equal(code, e.Code);
        Assert.Equal(message, e.Message);
        Assert.Equal(status, e.Status);
    }

    [Fact]
    public async Task A_bad_request_is_Rejected_and_not_retried()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var caller = SimulatedTenant.Caller(session);
        var client = new ExchangeAdminClient(session, caller);
        var e = await Assert.ThrowsAsync<ServiceCallException>(() => client.InvokeAsync("Get-NoSuchThing", P(), null, default));
        Assert.Equal(FailureKind.Rejected, e.Kind);
        Assert.Equal("CommandNotFoundException", e.Code);
        Assert.Contains("'Get-NoSuchThing' is not recognized", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, caller.Totals.Requests);
    }

    [Fact]
    public async Task An_unknown_parameter_is_Rejected_with_the_services_text_and_not_retried()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var caller = SimulatedTenant.Caller(session);
        var client = new ExchangeAdminClient(session, caller);
        var e = await Assert.ThrowsAsync<ServiceCallException>(() =>
            client.InvokeAsync("Get-TenantAllowBlockListItems", P(("ListType", "Url"), ("Block", true), ("ResultSize", "Unlimited")), null, default));
        Assert.Equal(FailureKind.Rejected, e.Kind);
        Assert.Equal("AmbiguousParameterSetException", e.Code);
        Assert.EndsWith("Invalid cmdlet parameters specified. ResultSize", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, caller.Totals.Requests);
    }

    [Fact]
    public async Task Mailbox_cmdlets_resolve_through_the_mailbox_anchor_and_unknown_mailboxes_are_NotFound()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var client = new ExchangeAdminClient(session, SimulatedTenant.Caller(session));
        var mbx = await client.InvokeAsync("Get-Mailbox", P(("Identity", "lynne@contoso.com")), "lynne@contoso.com", default);
        Assert.Equal("smtp:lynne.personal@outlook.example", (string?)Assert.Single(mbx.Values)["ForwardingSmtpAddress"]);
        var e = await Assert.ThrowsAsync<ServiceCallException>(() =>
            client.InvokeAsync("Get-Mailbox", P(("Identity", "ghost@contoso.com")), "ghost@contoso.com", default));
        Assert.Equal(FailureKind.NotFound, e.Kind);
        Assert.Contains("'ghost@contoso.com' couldn't be found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_are_retried_by_the_shared_policy()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var caller = SimulatedTenant.Caller(session, new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20), MaxTransientAttempts = 20 });
        var client = new ExchangeAdminClient(session, caller);
        s.SetFaults(new FaultSettings { ServerErrorRate = 0.5 });
        for (var i = 0; i < 5; i++)
        {
            var r = await client.InvokeAsync("Get-AcceptedDomain", P(), null, default);
            Assert.Equal(2, r.Values.Count);
        }
        Assert.True(caller.Totals.Requests > 5, "with half the calls failing, some must have been retried");
    }

    [Fact]
    public async Task A_429_storm_on_the_anchor_mailbox_is_waited_out_with_Retry_After()
    {
        // The simulator and the session on one fake clock: the storm ends, and the client's pause runs out, only when
        // the clock is moved — by exactly the waits the client asked for.
        var clock = new TestClock();
        await using var s = await SimulatedTenant.StartAsync(o => o.Clock = clock);
        using var session = await SimulatedTenant.ConnectAsync(s, clock: clock);
        var caller = SimulatedTenant.Caller(session, FaultTenant.Unpaced(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) }));
        var client = new ExchangeAdminClient(session, caller);
        s.SetFaults(new FaultSettings { Storms = [new StormSpec { Mailboxes = ["lynne@contoso.com"], RetryAfterSeconds = 1, DurationSeconds = 1.5 }] });

        var r = await clock.DriveAsync(client.InvokeAsync("Get-Mailbox", P(("Identity", "lynne@contoso.com")), "lynne@contoso.com", default));

        Assert.Single(r.Values);
        Assert.True(caller.Totals.Throttled >= 1);
        // Retry-After honoured: every 429 paused the anchor mailbox for exactly the 1 s the service asked, and the answer
        // came only once the 1.5 s storm was over.
        var pauses = clock.WaitsOf<MailboxGate>();
        Assert.Equal(caller.Totals.Throttled, pauses.Count);
        Assert.All(pauses, p => Assert.Equal(TimeSpan.FromSeconds(1), p.Due));
        Assert.True(clock.Moved >= TimeSpan.FromSeconds(1.5), $"answered after {clock.Moved} on the clock, before the storm ended");
        // Tenant-wide cmdlets are not anchored on lynne and go straight through.
        var domains = await clock.DriveAsync(client.InvokeAsync("Get-AcceptedDomain", P(), null, default));
        Assert.Equal(2, domains.Values.Count);
    }

    [Fact]
    public async Task An_identity_without_an_Exchange_role_is_Forbidden_with_the_services_explanation()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s, SimulatedTenant.ReaderClientId, SimulatedTenant.ReaderSecret);
        var client = new ExchangeAdminClient(session, SimulatedTenant.Caller(session));
        var e = await Assert.ThrowsAsync<ServiceCallException>(() => client.InvokeAsync("Get-AcceptedDomain", P(), null, default));
        Assert.Equal(FailureKind.Forbidden, e.Kind);
        Assert.Equal("RbacAccessDeniedException", e.Code);
        Assert.Contains("management roles", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_page_continuation_is_known_by_its_text_and_not_retried()
    {
        // The body as captured live (Microsoft Q&A 1023619): innererror only, type System.Exception, a server stack trace.
        const string body = "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Invalid Operation\",\"innererror\":{\"message\":\"Invalid Operation\","
            + "\"type\":\"Microsoft.Exchange.Admin.OData.Core.ODataServiceException\",\"stacktrace\":\"   at Microsoft.Exchange.AdminApi.CommandInvocation.CommandInvocation.InvokeCommand(QueryContext queryContext, CmdletInvokeInputType cmdletInvokeInputType)\","
            + "\"internalexception\":{\"message\":\"Expired or Invalid pagination request. Default Expiry time is 00:30:00\",\"type\":\"System.Exception\",\"stacktrace\":\"\"}}}}";
        var e = ExchangeAdminClient.ToException(400, body, null, TestClock.Start, "Get-Mailbox");
        Assert.Equal(FailureKind.Rejected, e.Kind);
        Assert.Equal(ExchangeAdminClient.PaginationRefusedCode, e.Code);
        Assert.Contains("Expired or Invalid pagination request", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Live (graph2otel): an app with Exchange.ManageAsApp but no directory role is answered 403 with NUL bytes, not JSON.
    [InlineData("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")]
    [InlineData("")]
    [InlineData(" \r\n")]
    [InlineData(null)]
    public void A_403_without_any_text_says_the_identity_probably_lacks_an_Exchange_role_for_the_cmdlet(string? body)
    {
        var e = ExchangeAdminClient.ToException(403, body, null, TestClock.Start, "Get-TenantAllowBlockListItems");
        Assert.Equal(FailureKind.Forbidden, e.Kind);
        Assert.Equal(403, e.Status);
        Assert.StartsWith("Exchange Online refused Get-TenantAllowBlockListItems (HTTP 403) without a reason", e.Message, StringComparison.Ordinal);
        Assert.Contains("lacks an Exchange RBAC role for Get-TenantAllowBlockListItems", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\0", e.Message, StringComparison.Ordinal);

        // Without the cmdlet (a caller that does not know it) the explanation still says what is missing.
        var generic = ExchangeAdminClient.ToException(403, body, null, TestClock.Start);
        Assert.Equal(FailureKind.Forbidden, generic.Kind);
        Assert.StartsWith("Exchange Online refused the request (HTTP 403) without a reason: the identity probably lacks an Exchange RBAC role", generic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_403_of_NUL_bytes_from_the_service_is_explained_naming_the_cmdlet()
    {
        // The reader app with Exchange.ManageAsApp and no directory role, on a simulator answering as graph2otel saw live.
        var doc = ScenarioLoader.ReadFile(SimulatedTenant.ScenarioPath);
        doc.Apps.Single(a => a.ClientId == SimulatedTenant.ReaderClientId).ExchangePermissions.Add("Exchange.ManageAsApp");
        await using var s = await SimulatedTenant.StartAsync(o =>
        {
            o.Scenario = doc;
            o.Faults = new FaultSettings { ExchangeForbiddenNulBody = true };
        });
        using var session = await SimulatedTenant.ConnectAsync(s, SimulatedTenant.ReaderClientId, SimulatedTenant.ReaderSecret);
        var caller = SimulatedTenant.Caller(session);
        var client = new ExchangeAdminClient(session, caller);
        var e = await Assert.ThrowsAsync<ServiceCallException>(() => client.InvokeAsync("Get-AcceptedDomain", P(), null, default));
        Assert.Equal(FailureKind.Forbidden, e.Kind);
        Assert.Contains("refused Get-AcceptedDomain (HTTP 403) without a reason", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, caller.Totals.Requests);
    }

    [Fact]
    public void Error_bodies_without_innererror_still_give_the_type_and_text()
    {
        var e = ExchangeAdminClient.ToException(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"|Microsoft.Exchange.Configuration.Tasks.TaskException|Something is wrong.\"}}", null, TestClock.Start);
        Assert.Equal("TaskException", e.Code);
        Assert.Equal("Something is wrong.", e.Message);
        var t = ExchangeAdminClient.ToException(429, "<html>busy</html>", "7", TestClock.Start);
        Assert.Equal(FailureKind.Throttled, t.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), t.RetryAfter);
    }
}
