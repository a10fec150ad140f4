using Microsoft.Graph;
using Microsoft.Graph.Authentication;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Messages.Item.Move;

namespace AirRemediation.Simulator.Tests;

/// <summary>The real Microsoft.Graph 6.10 client against the simulator, as the module will use it.</summary>
public sealed class GraphClientTests
{
    static GraphServiceClient Client(SimulatorServer s, string clientId = TestTenant.AutomationClientId, string secret = TestTenant.AutomationSecret) =>
        new(GraphClientFactory.Create(), new AzureIdentityAuthenticationProvider(TestTenant.SecretCredential(s, clientId, secret), ["127.0.0.1"], null, true, TestTenant.GraphScope), s.Graph);

    [Fact]
    public async Task Lists_users_with_paging_and_gets_one_by_upn()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        var first = await graph.Users.GetAsync(r => r.QueryParameters.Top = 2);
        Assert.Equal(2, first!.Value!.Count);
        Assert.NotNull(first.OdataNextLink);
        Assert.Contains("$skiptoken=", Uri.UnescapeDataString(first.OdataNextLink!));
        var all = new List<User>();
        var it = PageIterator<User, UserCollectionResponse>.CreatePageIterator(graph, first, u => { all.Add(u); return true; });
        await it.IterateAsync();
        Assert.Equal(s.State.Users.Count, all.Count);
        Assert.Equal(all.Count, all.Select(u => u.Id).Distinct().Count());

        var adele = await graph.Users["adele@contoso.com"].GetAsync();
        Assert.Equal("Adele Vance", adele!.DisplayName);
        var filtered = await graph.Users.GetAsync(r => r.QueryParameters.Filter = "mail eq 'lynne@contoso.com'");
        Assert.Equal("lynne@contoso.com", Assert.Single(filtered!.Value!).UserPrincipalName);

        var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users["ghost@contoso.com"].GetAsync());
        Assert.Equal(404, e.ResponseStatusCode);
        Assert.Equal("Request_ResourceNotFound", e.Error!.Code);

        var domains = await graph.Domains.GetAsync();
        Assert.Contains(domains!.Value!, d => d.Id == "contoso.com" && d.IsDefault == true);
    }

    [Fact]
    public async Task Filters_by_internetMessageId_including_quotes_and_moves_to_recoverable_items()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        var hits = await graph.Users["adele@contoso.com"].Messages.GetAsync(r =>
        {
            r.QueryParameters.Filter = "internetMessageId eq '<phish-0001@fabrikam-payments.example>'";
            r.QueryParameters.Select = ["id", "subject", "internetMessageId", "parentFolderId"];
        });
        var msg = Assert.Single(hits!.Value!);
        Assert.Equal("Your invoice is overdue", msg.Subject);
        Assert.Null(msg.BodyPreview);

        var quoted = await graph.Users["adele@contoso.com"].Messages.GetAsync(r => r.QueryParameters.Filter = "internetMessageId eq '<o''brien-1@partner.example>'");
        Assert.Equal("Re: O'Brien contract", Assert.Single(quoted!.Value!).Subject);

        var moved = await graph.Users["adele@contoso.com"].Messages[msg.Id].Move.PostAsync(new MovePostRequestBody { DestinationId = "recoverableitemsdeletions" });
        Assert.NotEqual(msg.Id, moved!.Id);
        Assert.Equal("<phish-0001@fabrikam-payments.example>", moved.InternetMessageId);
        var folder = await graph.Users["adele@contoso.com"].MailFolders["recoverableitemsdeletions"].GetAsync();
        Assert.Equal(folder!.Id, moved.ParentFolderId);

        // Gone from /messages (Recoverable Items is outside the IPM subtree), present in the folder.
        var again = await graph.Users["adele@contoso.com"].Messages.GetAsync(r => r.QueryParameters.Filter = "internetMessageId eq '<phish-0001@fabrikam-payments.example>'");
        Assert.Empty(again!.Value!);
        var inFolder = await graph.Users["adele@contoso.com"].MailFolders["recoverableitemsdeletions"].Messages.GetAsync();
        Assert.Equal(moved.Id, Assert.Single(inFolder!.Value!).Id);

        var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users["adele@contoso.com"].Messages[msg.Id].Move.PostAsync(new MovePostRequestBody { DestinationId = "recoverableitemsdeletions" }));
        Assert.Equal(404, e.ResponseStatusCode);
        Assert.Equal("ErrorItemNotFound", e.Error!.Code);

        lock (s.State.Mailboxes[0].Gate)
        {
            var stored = s.State.Mailboxes[0].Messages.Single(m => m.InternetMessageId == "<phish-0001@fabrikam-payments.example>");
            Assert.Equal(1, stored.TimesMoved);
            Assert.Equal(State.WellKnownFolders.RecoverableItemsDeletions, stored.FolderIndex);
        }
    }

    [Fact]
    public async Task Immutable_ids_survive_a_move()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        static void Immutable(Microsoft.Kiota.Abstractions.RequestHeaders h) => h.Add("Prefer", "IdType=\"ImmutableId\"");
        var list = await graph.Users["lynne@contoso.com"].Messages.GetAsync(r => { r.QueryParameters.Filter = "subject eq 'Lunch on Friday?'"; Immutable(r.Headers); });
        var id = Assert.Single(list!.Value!).Id;
        var moved = await graph.Users["lynne@contoso.com"].Messages[id].Move.PostAsync(new MovePostRequestBody { DestinationId = "deleteditems" }, r => Immutable(r.Headers));
        Assert.Equal(id, moved!.Id);
        var moved2 = await graph.Users["lynne@contoso.com"].Messages[id].Move.PostAsync(new MovePostRequestBody { DestinationId = "inbox" }, r => Immutable(r.Headers));
        Assert.Equal(id, moved2!.Id);
        // Without the header the REST id is returned, and it is not the immutable one.
        var plain = await graph.Users["lynne@contoso.com"].Messages[id].GetAsync();
        Assert.NotEqual(id, plain!.Id);
    }

    [Fact]
    public async Task A_token_without_Mail_ReadWrite_gets_403_ErrorAccessDenied_on_move()
    {
        await using var s = await TestTenant.StartAsync();
        var reader = Client(s, TestTenant.ReaderClientId, TestTenant.ReaderSecret);
        var list = await reader.Users["adele@contoso.com"].Messages.GetAsync();
        var id = list!.Value![0].Id;
        var e = await Assert.ThrowsAsync<ODataError>(() => reader.Users["adele@contoso.com"].Messages[id].Move.PostAsync(new MovePostRequestBody { DestinationId = "recoverableitemsdeletions" }));
        Assert.Equal(403, e.ResponseStatusCode);
        Assert.Equal("ErrorAccessDenied", e.Error!.Code);
        Assert.Equal("Access is denied. Check credentials and try again.", e.Error.Message);

        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret));
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Post, $"{s.Graph}/users/adele@contoso.com/messages/{id}/move", "{\"destinationId\":\"deleteditems\"}");
        Assert.Equal(403, status);
        Assert.NotNull(body!["error"]!["innerError"]!["request-id"]);
        Assert.NotNull(body["error"]!["innerError"]!["client-request-id"]);
        Assert.NotNull(body["error"]!["innerError"]!["date"]);
    }

    [Fact]
    public async Task Mailboxes_that_are_not_there_answer_like_Outlook()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        foreach (var (upn, status, code) in new[]
                 {
                     ("diego@contoso.com", 404, "MailboxNotEnabledForRESTAPI"),
                     ("nomail@contoso.com", 404, "MailboxNotEnabledForRESTAPI"),
                     ("ghost@contoso.com", 404, "ErrorInvalidUser"),
                 })
        {
            var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users[upn].Messages.GetAsync());
            Assert.Equal(status, e.ResponseStatusCode);
            Assert.Equal(code, e.Error!.Code);
        }
    }

    [Fact]
    public async Task A_scoped_app_is_denied_outside_its_management_scope()
    {
        var doc = State.ScenarioLoader.ReadFile(TestTenant.ScenarioPath);
        doc.Apps.First(a => a.ClientId == TestTenant.AutomationClientId).MailboxScope = ["adele@contoso.com"];
        await using var s = await TestTenant.StartAsync(o => { o.Scenario = doc; o.ScenarioPath = TestTenant.ScenarioPath; });
        var graph = Client(s);
        Assert.NotNull(await graph.Users["adele@contoso.com"].Messages.GetAsync());
        var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users["lynne@contoso.com"].Messages.GetAsync());
        Assert.Equal(403, e.ResponseStatusCode);
        Assert.Equal("ErrorAccessDenied", e.Error!.Code);
    }
}
