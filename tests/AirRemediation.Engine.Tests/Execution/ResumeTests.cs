using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>A run killed mid-way (its journal says InProgress) is finished from the journal without doing anything twice.</summary>
public sealed class ResumeTests
{
    private static readonly AuditContext Who = new("killed-session@contoso.com");

    /// <summary>An action left Running by a session whose lease has already run out.</summary>
    private static async Task<string> OrphanAsync(IActionStore store, ActionKind kind, string parameters, params (NewItem Item, bool Started)[] items)
    {
        var created = await store.CreateActionAsync(new NewAction
        {
            Kind = kind, InitialState = ActionState.Running, ParametersJson = parameters,
            Lease = new LeaseRequest("elsewhere/1/dead00", TimeSpan.FromMilliseconds(1)),
        }, Who);
        var id = created.Action.Id;
        var added = await store.AddItemsAsync(id, items.Select(i => i.Item));
        foreach (var (item, (_, started)) in added.Zip(items))
            if (started) await store.UpdateItemAsync(id, new ItemUpdate(item.Seq, ItemState.InProgress) { IncrementAttempts = true, BeforeJson = null });
        return id;
    }

    [Fact]
    public async Task A_URL_block_whose_add_was_sent_is_confirmed_not_resent_and_the_rest_is_blocked()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var store = await session.GetStoreAsync(default);
        await using var past = DeadSessionStore(store);
        // "old-bad.example" is in the scenario's list: as if our add had gone through just before the process died.
        var id = await OrphanAsync(past, ActionKind.BlockUrl, Json(new UrlBlockRequest { Urls = ["old-bad.example", "fresh.example"] }),
            (new NewItem(UrlItemData.Key("old-bad.example"), "old-bad.example", new UrlItemData("old-bad.example", UrlOp.Add).ToJson()), true),
            (new NewItem(UrlItemData.Key("fresh.example"), "fresh.example", new UrlItemData("fresh.example", UrlOp.Add).ToJson()), false));

        var results = new List<UrlBlockResult>();
        var summary = await Remediation.ResumeAsync(session, id, new RunSink(o => { lock (results) results.Add((UrlBlockResult)o); }, _ => { }), default);

        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal(2, summary.Succeeded);
        Assert.Contains("confirmed", Assert.Single(results, r => r.Url == "old-bad.example").Reason, StringComparison.Ordinal);
        Assert.Equal(UrlOutcome.Blocked, Assert.Single(results, r => r.Url == "fresh.example").Outcome);
        lock (s.State.TablGate)
        {
            Assert.Single(s.State.TablEntries, e => e.Value == "old-bad.example");
            Assert.Single(s.State.TablEntries, e => e.Value == "fresh.example");
        }
    }

    [Fact]
    public async Task A_forwarding_change_that_was_started_is_finished_and_the_rest_of_the_mailbox_is_still_looked_at()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var store = await session.GetStoreAsync(default);
        await using var past = DeadSessionStore(store);
        var rule = (await new RulesApi(session).ListAsync("lynne@contoso.com", default)).Single(r => (string?)r["displayName"] == "Redirect all");
        var ruleId = (string)rule["id"]!;
        var data = new ForwardingItemData("lynne@contoso.com", ForwardingItemKind.InboxRule, ForwardingOp.Disable, ruleId, "Redirect all", ["lynne.personal@outlook.example"], rule.ToJsonString());
        var id = await OrphanAsync(past, ActionKind.DisableForwarding, Json(new ForwardingRequest { Mailboxes = ["lynne@contoso.com"] }),
            (new NewItem($"rule|lynne@contoso.com|{ruleId}", "lynne@contoso.com", data.ToJson()), true));

        var summary = await Remediation.ResumeAsync(session, id, RunSink.None, default);

        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal(2, summary.Succeeded);   // the started rule, then the mailbox forwarding found on the second look
        var mbx = s.State.FindUser("lynne@contoso.com")!.Mailbox!;
        lock (mbx.Gate)
        {
            Assert.False((bool?)mbx.Rules.Single(r => (string?)r["id"] == ruleId)["isEnabled"]);
            Assert.Null(mbx.ForwardingSmtpAddress);
            Assert.False(mbx.DeliverToMailboxAndForward);
        }
        // The before-state was recorded from the journal's data, so undo can restore the rule.
        var items = new List<ItemRecord>();
        await foreach (var i in store.GetItemsAsync(id)) items.Add(i);
        Assert.All(items, i => Assert.NotNull(i.BeforeJson));

        var undo = await Remediation.UndoAsync(session, id, RunSink.None, default);
        Assert.Equal(ActionState.Completed, undo.State);
        lock (mbx.Gate)
        {
            Assert.True((bool?)mbx.Rules.Single(r => (string?)r["id"] == ruleId)["isEnabled"]);
            Assert.Equal("smtp:lynne.personal@outlook.example", mbx.ForwardingSmtpAddress);
            Assert.True(mbx.DeliverToMailboxAndForward);
        }
    }

    /// <summary>An action of a direct run killed mid-way: Running, with the request's run key and a lease that ran out.</summary>
    private static async Task<string> KilledRunAsync(IActionStore store, ActionKind kind, string runKey, string parameters)
    {
        var created = await store.CreateActionAsync(new NewAction
        {
            Kind = kind, InitialState = ActionState.Running, DedupeKey = runKey, ParametersJson = parameters,
            Lease = new LeaseRequest("elsewhere/1/dead00", TimeSpan.FromMilliseconds(1)),
        }, Who);
        return created.Action.Id;
    }

    [Fact]
    public async Task Running_the_same_Block_AirUrl_again_after_a_kill_resumes_its_action_instead_of_starting_another()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var store = await session.GetStoreAsync(default);
        await using var past = DeadSessionStore(store);
        var request = Remediation.Normalize(session, new UrlBlockRequest { Urls = ["Resume-Me.example", "also-me.example"] });
        var killed = await KilledRunAsync(past, ActionKind.BlockUrl, Key(request), Json(request.Request));

        var summary = await Remediation.RunAsync(session, request, null, RunSink.None, default);

        Assert.Equal(killed, summary.ActionId);
        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal(2, summary.Succeeded);
        Assert.Contains((await store.GetAuditAsync(killed).ToListAsync()), a => a.Event == "Resumed");
        // Finished, the same command again is a new action that finds both entries already there.
        var again = await Remediation.RunAsync(session, request, null, RunSink.None, default);
        Assert.NotEqual(killed, again.ActionId);
        Assert.Equal(2, again.Already);
    }

    [Fact]
    public async Task Running_the_same_Disable_AirMailForwarding_again_after_a_kill_resumes_its_action()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var store = await session.GetStoreAsync(default);
        await using var past = DeadSessionStore(store);
        var request = Remediation.Normalize(session, new ForwardingRequest { Mailboxes = ["lynne@contoso.com"] });
        var killed = await KilledRunAsync(past, ActionKind.DisableForwarding, Key(request), Json(request.Request));

        var summary = await Remediation.RunAsync(session, request, (_, _) => true, RunSink.None, default);

        Assert.Equal(killed, summary.ActionId);
        Assert.Equal(ActionState.Completed, summary.State);
        Assert.Equal(2, summary.Succeeded);
    }

    /// <summary>
    /// The same store file as the session's, as a session that died long ago saw it: what it writes carries that
    /// session's clock (the fake clock's default start, 1 January 2000), so its lease has long run out by the time the
    /// test's session looks — without any waiting, and without reading the wall clock.
    /// </summary>
    private static IActionStore DeadSessionStore(IActionStore store) =>
        SqliteActionStore.Open(store.Location, clock: new FakeTimeProvider());

    private static string Key(NormalizedRequest request) => KindRegistry.For(request.Kind).DedupeKey(request.Request);

    private static string Json(ActionRequest request) => KindRegistry.For(request.Kind).ToJson(request);
}
