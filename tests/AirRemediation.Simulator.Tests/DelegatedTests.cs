using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;

namespace AirRemediation.Simulator.Tests;

/// <summary>A security admin signed in with device code: what delegated tokens may and may not do.</summary>
public sealed class DelegatedTests
{
    [Fact]
    public async Task A_signed_in_security_admin_reaches_alerts_own_mail_and_TABL_but_not_others_mail_or_Set_Mailbox()
    {
        await using var s = await TestTenant.StartAsync(o => o.DeviceCodeApprovalDelay = TimeSpan.Zero);
        var cred = new DeviceCodeCredential(TestTenant.Options(s, new DeviceCodeCredentialOptions
        {
            ClientId = TestTenant.InteractiveClientId,
            TenantId = s.TenantId,
            DisableInstanceDiscovery = true,
            DeviceCodeCallback = (_, _) => Task.CompletedTask,
        }));
        var graphToken = (await cred.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default)).Token;
        var exoToken = (await cred.GetTokenAsync(new TokenRequestContext([TestTenant.ExchangeScope]), default)).Token;
        using var graph = TestTenant.Client(s, graphToken);
        using var exo = TestTenant.Client(s, exoToken);

        Assert.Equal(200, (await TestTenant.SendAsync(graph, HttpMethod.Get, s.Graph + "/me/messages")).Status);
        Assert.Equal(200, (await TestTenant.SendAsync(graph, HttpMethod.Get, s.Graph + "/users/megan@contoso.com/mailFolders/junkemail/messages")).Status);
        // Another mailbox: only with FullAccess on it plus Mail.ReadWrite.Shared (the default scenario gives Megan
        // FullAccess to Adele's mailbox, not to Diego's).
        Assert.Equal(200, (await TestTenant.SendAsync(graph, HttpMethod.Get, s.Graph + "/users/adele@contoso.com/messages")).Status);
        var (status, body, _) = await TestTenant.SendAsync(graph, HttpMethod.Get, s.Graph + "/users/diego@contoso.com/messages");
        Assert.Equal(403, status);
        Assert.Equal("ErrorAccessDenied", (string?)body!["error"]!["code"]);

        (status, body, _) = await TestTenant.SendAsync(graph, HttpMethod.Post, s.Graph + "/security/alerts_v2/da637551227677560813_-961444813/comments", "{\"comment\":\"looked at it\"}");
        Assert.Equal(200, status);
        Assert.Equal("megan@contoso.com", (string?)body!["value"]!.AsArray().Last()!["createdByDisplayName"]);
        // analyzedEmails is application-only.
        Assert.Equal(403, (await TestTenant.SendAsync(graph, HttpMethod.Get, s.Graph + "/security/collaboration/analyzedEmails")).Status);
        // /me with an app token is a 400, as Graph says.
        using var app = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        Assert.Equal(400, (await TestTenant.SendAsync(app, HttpMethod.Get, s.Graph + "/me/messages")).Status);

        static string Body(string cmdlet, JsonObject p) => new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = cmdlet, ["Parameters"] = p } }.ToJsonString();
        var url = $"{s.Exchange}/adminapi/beta/{s.TenantId}/InvokeCommand";
        Assert.Equal(200, (await TestTenant.SendAsync(exo, HttpMethod.Post, url, Body("New-TenantAllowBlockListItems", new JsonObject { ["ListType"] = "Url", ["Block"] = true, ["Entries"] = new JsonArray("delegated.example") }))).Status);
        Assert.Equal(403, (await TestTenant.SendAsync(exo, HttpMethod.Post, url, Body("Set-Mailbox", new JsonObject { ["Identity"] = "lynne@contoso.com", ["ForwardingSmtpAddress"] = null }))).Status);
        lock (s.State.TablGate) Assert.Contains(s.State.TablEntries, e => e.Value == "delegated.example" && e.CreatedBy == "megan@contoso.com");
    }
}
