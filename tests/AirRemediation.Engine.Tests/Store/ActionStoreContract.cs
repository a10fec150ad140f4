using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>What a tamper hook should do to one stored audit entry.</summary>
public enum AuditTamper
{
    /// <summary>Change the entry's reason text, keep its hash.</summary>
    EditReason,
    /// <summary>Delete the entry.</summary>
    Delete,
    /// <summary>Change the entry's reason and recompute its own hash (a careful forger), leaving the next entry's link stale.</summary>
    EditAndRehash,
}

/// <summary>
/// Every behaviour an <see cref="IActionStore"/> backend must have. A backend's test class derives from this and supplies
/// <see cref="CreateStore"/> (a fresh, empty store on the given clock) and the tamper hook.
/// </summary>
public abstract class ActionStoreContract : IAsyncLifetime
{
    private readonly List<IActionStore> _stores = [];

    protected ManualClock Clock { get; } = new();

    protected static readonly AuditContext Alice = new("alice@contoso.com", ActorKind.User, "Interactive tenant=contoso client=14d82eec");
    protected static readonly AuditContext Bob = new("bob@contoso.com", ActorKind.User, "DeviceCode tenant=contoso client=14d82eec");
    protected static readonly AuditContext Runbook = new("8a3b1c2d-app", ActorKind.App, "ManagedIdentity tenant=contoso");

    /// <summary>A new, empty store that reads time from <paramref name="clock"/>.</summary>
    protected abstract IActionStore CreateStore(TimeProvider clock);

    /// <summary>Changes the stored audit entry <paramref name="seq"/> behind the store's back, the way an attacker with file or table access would.</summary>
    protected abstract Task TamperAuditAsync(IActionStore store, long seq, AuditTamper how);

    /// <summary>Sets an action's stored state behind the store's back (no audit entry).</summary>
    protected abstract Task TamperActionStateAsync(IActionStore store, string actionId, ActionState state);

    protected IActionStore NewStore()
    {
        var s = CreateStore(Clock);
        _stores.Add(s);
        return s;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var s in _stores)
        {
            await s.DisposeAsync();
        }
    }

    protected static NewAction Proposal(ActionKind kind = ActionKind.SoftDeleteEmail, string? evidence = null, string? dedupe = null,
        DateTimeOffset? dedupeSince = null, string? investigation = null, DateTimeOffset? expires = null) => new()
        {
            Kind = kind,
            EvidenceKey = evidence,
            DedupeKey = dedupe,
            DedupeSince = dedupeSince,
            InvestigationId = investigation,
            ExpiresAt = expires,
            ParametersJson = """{"mailbox":"adele@contoso.com","messageIds":["<a@b>"]}""",
            Summary = "Soft delete 1 message in adele@contoso.com",
        };

    protected async Task<ActionRecord> Create(IActionStore s, NewAction? a = null, AuditContext? who = null) =>
        (await s.CreateActionAsync(a ?? Proposal(), who ?? Alice)).Action;

    protected static readonly ActionState[] FromPending = [ActionState.Pending];

    /// <summary>Pending → Approved → Running under <paramref name="owner"/>'s lease.</summary>
    protected async Task<ActionRecord> Running(IActionStore s, string owner = "session-1", TimeSpan? lease = null)
    {
        var a = await Create(s);
        (await s.TryTransitionAsync(a.Id, FromPending, ActionState.Approved, Bob, new ActionChanges { ApprovedBy = Bob.Actor, DecidedAt = Clock.GetUtcNow() })).EnsureSucceeded();
        return (await s.TryTransitionAsync(a.Id, [ActionState.Approved], ActionState.Running, Bob,
            new ActionChanges { Lease = new LeaseRequest(owner, lease ?? TimeSpan.FromSeconds(30)) })).EnsureSucceeded();
    }

    private static async Task<List<T>> ToList<T>(IAsyncEnumerable<T> e)
    {
        var l = new List<T>();
        await foreach (var x in e)
        {
            l.Add(x);
        }
        return l;
    }

    // ------------------------------------------------------------ create / get / query

    [Fact]
    public async Task CreatedActionCanBeReadBackWithItsFirstAuditEntry()
    {
        var s = NewStore();
        var r = await s.CreateActionAsync(Proposal(investigation: "alert-1", expires: Clock.GetUtcNow().AddDays(7)), Alice);
        Assert.True(r.Created);
        var a = r.Action;
        Assert.Matches("^A-[0-9A-Z]{10}$", a.Id);
        Assert.Equal(ActionState.Pending, a.State);
        Assert.Equal(Alice.Actor, a.ProposedBy);
        Assert.Equal(Clock.GetUtcNow(), a.CreatedAt);
        Assert.Equal(1, a.Version);

        var back = await s.GetActionAsync(a.Id);
        Assert.Equal(a, back);
        Assert.Equal(a, await s.GetActionAsync(a.Id.ToLowerInvariant()));
        Assert.Null(await s.GetActionAsync("A-0000000000"));

        var audit = await ToList(s.GetAuditAsync(a.Id));
        var first = Assert.Single(audit);
        Assert.Equal("Proposed", first.Event);
        Assert.Equal(Alice.Actor, first.Actor);
        Assert.Equal(Alice.SignIn, first.SignIn);
        Assert.Null(first.FromState);
        Assert.Equal(ActionState.Pending, first.ToState);
    }

    [Fact]
    public async Task DirectRunStartsRunningUnderALeaseAndTheAuditSaysSo()
    {
        var s = NewStore();
        await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(Proposal() with { InitialState = ActionState.Running }, Alice));
        var ex = await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(Proposal() with { InitialState = ActionState.Completed }, Alice));
        Assert.Equal(AirErrorKind.InvalidState, ex.Kind);

        var a = await Create(s, Proposal() with { InitialState = ActionState.Running, Lease = new LeaseRequest("s1", TimeSpan.FromSeconds(30)) }, Runbook);
        Assert.Equal(ActionState.Running, a.State);
        Assert.Equal("s1", a.LeaseOwner);
        Assert.Equal(Clock.GetUtcNow().AddSeconds(30), a.LeaseExpiresAt);
        var e = Assert.Single(await ToList(s.GetAuditAsync(a.Id)));
        Assert.Equal("RunDirectly", e.Event);
        Assert.Equal(ActorKind.App, e.ActorKind);
    }

    [Fact]
    public async Task UndoActionPointsAtAnExistingAction()
    {
        var s = NewStore();
        var ex = await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(Proposal(ActionKind.Undo) with { RelatedActionId = "A-0000000000" }, Alice));
        Assert.Equal(AirErrorKind.NotFound, ex.Kind);
        var original = await Create(s);
        var undo = await Create(s, Proposal(ActionKind.Undo) with { RelatedActionId = original.Id });
        Assert.Equal(original.Id, undo.RelatedActionId);
        var related = await ToList(s.QueryActionsAsync(new ActionQuery { RelatedActionId = original.Id }));
        Assert.Equal(undo.Id, Assert.Single(related).Id);
    }

    [Fact]
    public async Task QueryFiltersAndPagesNewestFirst()
    {
        var s = NewStore();
        var created = new List<ActionRecord>();
        for (int i = 0; i < 25; i++)
        {
            var kind = i % 2 == 0 ? ActionKind.BlockUrl : ActionKind.SoftDeleteEmail;
            created.Add(await Create(s, Proposal(kind, investigation: i < 5 ? "alert-5" : null), i % 3 == 0 ? Runbook : Alice));
            if (i % 4 != 0)
            {
                Clock.Advance(TimeSpan.FromMinutes(1)); // some share a timestamp: paging must still be exact
            }
        }
        (await s.TryTransitionAsync(created[3].Id, FromPending, ActionState.Denied, Bob)).EnsureSucceeded();

        var all = await ToList(s.QueryActionsAsync(new ActionQuery { PageSize = 4 }));
        Assert.Equal(25, all.Count);
        Assert.Equal(created.Select(c => c.Id).OrderBy(x => x), all.Select(c => c.Id).OrderBy(x => x));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt));

        Assert.Equal(13, (await ToList(s.QueryActionsAsync(new ActionQuery { Kind = ActionKind.BlockUrl, PageSize = 3 }))).Count);
        Assert.Equal(9, (await ToList(s.QueryActionsAsync(new ActionQuery { ProposedBy = Runbook.Actor }))).Count);
        Assert.Equal(5, (await ToList(s.QueryActionsAsync(new ActionQuery { InvestigationId = "alert-5" }))).Count);
        Assert.Equal(created[3].Id, Assert.Single(await ToList(s.QueryActionsAsync(new ActionQuery { States = [ActionState.Denied] }))).Id);
        Assert.Equal(25, (await ToList(s.QueryActionsAsync(new ActionQuery { States = [ActionState.Denied, ActionState.Pending], PageSize = 7 }))).Count);
        Assert.Equal(6, (await ToList(s.QueryActionsAsync(new ActionQuery { Limit = 6, PageSize = 4 }))).Count);

        var target = created[7].Id;
        foreach (var typed in new[] { target[..5], target[..5].ToLowerInvariant(), target[2..6] })
        {
            var matches = await ToList(s.QueryActionsAsync(new ActionQuery { IdPrefix = typed }));
            Assert.Contains(matches, m => m.Id == target);
            Assert.All(matches, m => Assert.StartsWith(target[..5], m.Id, StringComparison.Ordinal));
        }
        Assert.Equal(target, Assert.Single(await ToList(s.QueryActionsAsync(new ActionQuery { IdPrefix = target }))).Id);

        var since = created[10].CreatedAt;
        var until = created[20].CreatedAt;
        var window = await ToList(s.QueryActionsAsync(new ActionQuery { CreatedSince = since, CreatedUntil = until, PageSize = 2 }));
        Assert.All(window, a => Assert.True(a.CreatedAt >= since && a.CreatedAt < until));
        Assert.Equal(created.Count(a => a.CreatedAt >= since && a.CreatedAt < until), window.Count);
    }

    // ------------------------------------------------------------ dedupe / evidence

    [Fact]
    public async Task IdenticalProposalWithinTheWindowCollapsesIntoTheExistingOne()
    {
        var s = NewStore();
        var first = await s.CreateActionAsync(Proposal(dedupe: "k1", dedupeSince: Clock.GetUtcNow().AddHours(-1)), Alice);
        Clock.Advance(TimeSpan.FromMinutes(30));
        var second = await s.CreateActionAsync(Proposal(dedupe: "k1", dedupeSince: Clock.GetUtcNow().AddHours(-1)), Bob);
        Assert.False(second.Created);
        Assert.Equal("DedupeKey", second.MatchedOn);
        Assert.Equal(first.Action.Id, second.Action.Id);
        Assert.Equal(first.Action.Id, (await s.FindByDedupeKeyAsync("k1", Clock.GetUtcNow().AddHours(-1)))!.Id);

        Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Null(await s.FindByDedupeKeyAsync("k1", Clock.GetUtcNow().AddHours(-1)));
        var third = await s.CreateActionAsync(Proposal(dedupe: "k1", dedupeSince: Clock.GetUtcNow().AddHours(-1)), Bob);
        Assert.True(third.Created);
        Assert.NotEqual(first.Action.Id, third.Action.Id);
        Assert.Equal(third.Action.Id, (await s.FindByDedupeKeyAsync("k1", Clock.GetUtcNow().AddHours(-1)))!.Id);
        Assert.Single(await ToList(s.GetAuditAsync(first.Action.Id)));
    }

    [Fact]
    public async Task TheSameEvidenceIsNeverQueuedTwice()
    {
        var s = NewStore();
        var a = await Create(s, Proposal(evidence: "alert-9|evidence-2"));
        (await s.TryTransitionAsync(a.Id, FromPending, ActionState.Denied, Bob)).EnsureSucceeded();
        Clock.Advance(TimeSpan.FromDays(30));
        var again = await s.CreateActionAsync(Proposal(evidence: "alert-9|evidence-2"), Runbook);
        Assert.False(again.Created);
        Assert.Equal("EvidenceKey", again.MatchedOn);
        Assert.Equal(a.Id, again.Action.Id);
        Assert.Equal(ActionState.Denied, again.Action.State);
        Assert.Equal(a.Id, (await s.FindByEvidenceKeyAsync("alert-9|evidence-2"))!.Id);
        Assert.Null(await s.FindByEvidenceKeyAsync("alert-9|evidence-3"));
    }

    [Fact]
    public async Task RacingIdenticalProposalsCreateOneAction()
    {
        var s = NewStore();
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() =>
            s.CreateActionAsync(Proposal(evidence: "ev-race", dedupe: "d-race", dedupeSince: Clock.GetUtcNow().AddHours(-1)), Alice))));
        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Action.Id).Distinct());
    }

    // ------------------------------------------------------------ transitions

    [Fact]
    public async Task ApproveWritesApproverAndAuditAtomically()
    {
        var s = NewStore();
        var a = await Create(s);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var r = await s.TryTransitionAsync(a.Id, FromPending, ActionState.Approved, Bob with { Reason = "confirmed phish" },
            new ActionChanges { ApprovedBy = Bob.Actor, DecidedAt = Clock.GetUtcNow() });
        Assert.True(r.Succeeded);
        Assert.Null(r.FailureMessage);
        Assert.Equal(ActionState.Approved, r.Action!.State);
        Assert.Equal(Bob.Actor, r.Action.ApprovedBy);
        Assert.Equal(Clock.GetUtcNow(), r.Action.DecidedAt);
        Assert.Equal(2, r.Action.Version);
        Assert.Equal(r.Action, await s.GetActionAsync(a.Id));

        var audit = await ToList(s.GetAuditAsync(a.Id));
        Assert.Equal(["Proposed", "Approved"], audit.Select(e => e.Event));
        Assert.Equal(ActionState.Pending, audit[1].FromState);
        Assert.Equal(ActionState.Approved, audit[1].ToState);
        Assert.Equal("confirmed phish", audit[1].Reason);
    }

    [Fact]
    public async Task RefusedTransitionsLeaveNoTraceAndSayWhy()
    {
        var s = NewStore();
        var a = await Create(s);
        Clock.Advance(TimeSpan.FromMinutes(3));
        var denied = (await s.TryTransitionAsync(a.Id, FromPending, ActionState.Denied, Bob)).EnsureSucceeded();
        Assert.Equal(Bob.Actor, denied.ApprovedBy); // who decided
        Assert.Equal(Clock.GetUtcNow(), denied.DecidedAt);

        var lost = await s.TryTransitionAsync(a.Id, FromPending, ActionState.Approved, Bob);
        Assert.Equal(TransitionOutcome.StateMismatch, lost.Outcome);
        Assert.Equal(ActionState.Denied, lost.Action!.State);
        Assert.Equal($"Action {a.Id} is Denied; only Pending actions can be approved.", lost.FailureMessage);
        var ex = Assert.Throws<AirException>(() => lost.EnsureSucceeded());
        Assert.Equal(AirErrorKind.InvalidState, ex.Kind);

        // A move the state machine forbids is refused before touching the store.
        ex = await Assert.ThrowsAsync<AirException>(() => s.TryTransitionAsync(a.Id, FromPending, ActionState.Completed, Bob));
        Assert.Equal(AirErrorKind.InvalidState, ex.Kind);
        await Assert.ThrowsAsync<AirException>(() => s.TryTransitionAsync(a.Id, [ActionState.Denied], ActionState.Approved, Bob));

        var missing = await s.TryTransitionAsync("A-0000000000", FromPending, ActionState.Approved, Bob);
        Assert.Equal(TransitionOutcome.NotFound, missing.Outcome);
        Assert.Equal(AirErrorKind.NotFound, Assert.Throws<AirException>(() => missing.EnsureSucceeded()).Kind);

        Assert.Equal(2, (await ToList(s.GetAuditAsync(a.Id))).Count);
        Assert.Equal(2, (await s.GetActionAsync(a.Id))!.Version);
    }

    [Fact]
    public async Task AnExpiredPendingActionCannotBeApprovedButCanExpire()
    {
        var s = NewStore();
        var a = await Create(s, Proposal(expires: Clock.GetUtcNow().AddDays(7)));
        Clock.Advance(TimeSpan.FromDays(7));
        var r = await s.TryTransitionAsync(a.Id, FromPending, ActionState.Approved, Bob);
        Assert.Equal(TransitionOutcome.Expired, r.Outcome);
        Assert.Equal(AirErrorKind.Expired, Assert.Throws<AirException>(() => r.EnsureSucceeded()).Kind);
        var expired = (await s.TryTransitionAsync(a.Id, FromPending, ActionState.Expired, Runbook)).EnsureSucceeded();
        Assert.Equal(ActionState.Expired, expired.State);
    }

    [Fact]
    public async Task RacingApprovalsHaveExactlyOneWinner()
    {
        var s = NewStore();
        var a = await Create(s);
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            s.TryTransitionAsync(a.Id, FromPending, i % 2 == 0 ? ActionState.Approved : ActionState.Denied,
                new AuditContext($"approver{i}@contoso.com"), new ActionChanges { ApprovedBy = $"approver{i}@contoso.com" }))));
        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(TransitionOutcome.StateMismatch, r.Outcome));
        var final = await s.GetActionAsync(a.Id);
        Assert.Equal(winner.Action!.State, final!.State);
        Assert.Equal(winner.Action.ApprovedBy, final.ApprovedBy);
        Assert.Equal(2, (await ToList(s.GetAuditAsync(a.Id))).Count);
    }

    [Fact]
    public async Task AFullLifeRunsThroughTheMachineAndUndoes()
    {
        var s = NewStore();
        var a = await Running(s, "s1");
        var items = await s.AddItemsAsync(a.Id, [new NewItem("m1"), new NewItem("m2")]);
        await s.UpdateItemAsync(a.Id, new ItemUpdate(items[0].Seq, ItemState.Done));
        await s.UpdateItemAsync(a.Id, new ItemUpdate(items[1].Seq, ItemState.Already) { Reason = "already in Deletions" });
        var done = (await s.TryTransitionAsync(a.Id, [ActionState.Running], ActionState.Completed, Bob,
            new ActionChanges { ExpectedLeaseOwner = "s1", Summary = "2 messages" })).EnsureSucceeded();
        Assert.Null(done.LeaseOwner);
        Assert.Null(done.LeaseExpiresAt);
        Assert.Equal(new ItemCounts(0, 0, 1, 1, 0, 0), done.Counts);
        Assert.Equal("2 messages", done.Summary);

        var undone = (await s.TryTransitionAsync(a.Id, [ActionState.Completed, ActionState.PartiallyCompleted], ActionState.Undone, Alice)).EnsureSucceeded();
        Assert.Equal(ActionState.Undone, undone.State);
        Assert.Equal(["Proposed", "Approved", "Started", "Completed", "Undone"], (await ToList(s.GetAuditAsync(a.Id))).Select(e => e.Event));
    }

    // ------------------------------------------------------------ leases

    [Fact]
    public async Task ASecondRunIsRefusedWhileTheFirstLeaseIsLive()
    {
        var s = NewStore();
        var a = await Running(s, "s1");
        var r = await s.TryTransitionAsync(a.Id, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice,
            new ActionChanges { Lease = new LeaseRequest("s2", TimeSpan.FromSeconds(30)) });
        Assert.Equal(TransitionOutcome.LeaseHeld, r.Outcome);
        Assert.Contains("s1", r.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(AirErrorKind.Conflict, Assert.Throws<AirException>(() => r.EnsureSucceeded()).Kind);
        Assert.False((await s.TryAcquireLeaseAsync(a.Id, "s2", TimeSpan.FromSeconds(30))).Acquired);

        // The live owner may re-enter (its own resume after a transient error).
        Assert.True((await s.TryAcquireLeaseAsync(a.Id, "s1", TimeSpan.FromSeconds(30))).Acquired);
    }

    [Fact]
    public async Task AStaleLeaseIsTakenOverAndTheOldOwnerCanNoLongerWrite()
    {
        var s = NewStore();
        var a = await Running(s, "s1", TimeSpan.FromSeconds(30));
        var item = (await s.AddItemsAsync(a.Id, [new NewItem("m1")]))[0];
        await s.UpdateItemAsync(a.Id, new ItemUpdate(item.Seq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = "s1" });

        // s1 is killed; nothing renews its lease.
        Clock.Advance(TimeSpan.FromSeconds(31));
        var resumed = (await s.TryTransitionAsync(a.Id, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice,
            new ActionChanges { Lease = new LeaseRequest("s2", TimeSpan.FromSeconds(30)) })).EnsureSucceeded();
        Assert.Equal("s2", resumed.LeaseOwner);
        var last = (await ToList(s.GetAuditAsync(a.Id)))[^1];
        Assert.Equal("Resumed", last.Event);
        Assert.Contains("s1", last.Reason, StringComparison.Ordinal);

        // s2 finds the item whose outcome s1 never recorded.
        var inProgress = await ToList(s.GetItemsAsync(a.Id, new ItemQuery { States = [ItemState.InProgress] }));
        Assert.Equal(1, Assert.Single(inProgress).Attempts);

        // s1 wakes up: it may neither write items nor finish the action.
        var ex = await Assert.ThrowsAsync<AirException>(() => s.UpdateItemAsync(a.Id, new ItemUpdate(item.Seq, ItemState.Done) { LeaseOwner = "s1" }));
        Assert.Equal(AirErrorKind.Conflict, ex.Kind);
        var lost = await s.TryTransitionAsync(a.Id, [ActionState.Running], ActionState.Completed, Alice, new ActionChanges { ExpectedLeaseOwner = "s1" });
        Assert.Equal(TransitionOutcome.LeaseLost, lost.Outcome);
        Assert.False((await s.RenewLeaseAsync(a.Id, "s1", TimeSpan.FromSeconds(30))).Acquired);

        await s.UpdateItemAsync(a.Id, new ItemUpdate(item.Seq, ItemState.Done) { LeaseOwner = "s2" });
        (await s.TryTransitionAsync(a.Id, [ActionState.Running], ActionState.Completed, Alice, new ActionChanges { ExpectedLeaseOwner = "s2" })).EnsureSucceeded();
    }

    [Fact]
    public async Task LeasesRenewReleaseAndExpire()
    {
        var s = NewStore();
        var a = await Running(s, "s1", TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(8));
        var renewed = await s.RenewLeaseAsync(a.Id, "s1", TimeSpan.FromSeconds(10));
        Assert.True(renewed.Acquired);
        Assert.Equal(Clock.GetUtcNow().AddSeconds(10), renewed.Action!.LeaseExpiresAt);
        Clock.Advance(TimeSpan.FromSeconds(8));
        Assert.False((await s.TryAcquireLeaseAsync(a.Id, "s2", TimeSpan.FromSeconds(10))).Acquired); // renewal kept it alive

        // Expired but not taken: the owner may still renew.
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await s.RenewLeaseAsync(a.Id, "s1", TimeSpan.FromSeconds(10))).Acquired);

        Assert.False(await s.ReleaseLeaseAsync(a.Id, "s2"));
        Assert.True(await s.ReleaseLeaseAsync(a.Id, "s1"));
        var free = await s.GetActionAsync(a.Id);
        Assert.Null(free!.LeaseOwner);
        Assert.True((await s.TryAcquireLeaseAsync(a.Id, "s2", TimeSpan.FromSeconds(10))).Acquired);
        Assert.False((await s.TryAcquireLeaseAsync("A-0000000000", "s2", TimeSpan.FromSeconds(10))).Acquired);
    }

    [Fact]
    public async Task RacingResumersOfAStaleActionHaveExactlyOneWinner()
    {
        var s = NewStore();
        var a = await Running(s, "dead", TimeSpan.FromSeconds(5));
        Clock.Advance(TimeSpan.FromSeconds(6));
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            s.TryTransitionAsync(a.Id, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice,
                new ActionChanges { Lease = new LeaseRequest("s" + i, TimeSpan.FromSeconds(30)) }))));
        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(TransitionOutcome.LeaseHeld, r.Outcome));
        Assert.Equal(winner.Action!.LeaseOwner, (await s.GetActionAsync(a.Id))!.LeaseOwner);

        Clock.Advance(TimeSpan.FromSeconds(31));
        var acquires = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => s.TryAcquireLeaseAsync(a.Id, "t" + i, TimeSpan.FromSeconds(30)))));
        Assert.Single(acquires, r => r.Acquired);
    }

    [Fact]
    public async Task CancelledActionsResumeAndLeaveTheLeaseFree()
    {
        var s = NewStore();
        var a = await Running(s, "s1");
        var c = (await s.TryTransitionAsync(a.Id, [ActionState.Running], ActionState.Cancelled, Alice, new ActionChanges { ExpectedLeaseOwner = "s1" })).EnsureSucceeded();
        Assert.Null(c.LeaseOwner);
        var r = (await s.TryTransitionAsync(a.Id, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Bob,
            new ActionChanges { Lease = new LeaseRequest("s2", TimeSpan.FromSeconds(30)) })).EnsureSucceeded();
        Assert.Equal("s2", r.LeaseOwner);
        Assert.Equal("Resumed", (await ToList(s.GetAuditAsync(a.Id)))[^1].Event);
        await Assert.ThrowsAsync<AirException>(() => s.TryTransitionAsync(a.Id, [ActionState.Cancelled], ActionState.Running, Bob));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.TryTransitionAsync(a.Id, [ActionState.Running], ActionState.Running, Bob,
            new ActionChanges { Lease = new LeaseRequest("s3", TimeSpan.Zero) }));
    }

    // ------------------------------------------------------------ items

    [Fact]
    public async Task AddingItemsIsIdempotentOnKey()
    {
        var s = NewStore();
        var a = await Running(s);
        var first = await s.AddItemsAsync(a.Id,
        [
            new NewItem("adele@contoso.com|<m1@x>", "adele@contoso.com", """{"subject":"It's urgent"}"""),
            new NewItem("adele@contoso.com|<m2@x>", "adele@contoso.com"),
            new NewItem("alex@contoso.com|<m1@x>", "alex@contoso.com"),
        ]);
        Assert.Equal([1L, 2L, 3L], first.Select(i => i.Seq));
        await s.UpdateItemAsync(a.Id, new ItemUpdate(2, ItemState.Done));

        var again = await s.AddItemsAsync(a.Id,
        [
            new NewItem("alex@contoso.com|<m1@x>", "changed"),
            new NewItem("new@contoso.com|<m9@x>"),
            new NewItem("adele@contoso.com|<m2@x>"),
            new NewItem("new@contoso.com|<m9@x>"),
        ]);
        Assert.Equal([3L, 4L, 2L, 4L], again.Select(i => i.Seq));
        Assert.Equal("alex@contoso.com", again[0].Target);
        Assert.Equal(ItemState.Done, again[2].State);
        Assert.Equal(4, (await s.GetItemCountsAsync(a.Id)).Total);
        Assert.Equal("""{"subject":"It's urgent"}""", (await s.GetItemAsync(a.Id, "adele@contoso.com|<m1@x>"))!.DataJson);

        var ex = await Assert.ThrowsAsync<AirException>(() => s.AddItemsAsync("A-0000000000", [new NewItem("k")]));
        Assert.Equal(AirErrorKind.NotFound, ex.Kind);
        await Assert.ThrowsAsync<AirException>(() => s.AddItemsAsync(a.Id, [new NewItem("")]));
    }

    [Fact]
    public async Task ItemUpdatesJournalStateAttemptsAndBeforeAfter()
    {
        var s = NewStore();
        var a = await Running(s, "s1");
        var it = (await s.AddItemsAsync(a.Id, [new NewItem("k1", "mbx", """{"id":"AAMk1"}""")]))[0];
        Assert.Equal(ItemState.Planned, it.State);
        Assert.Equal(0, it.Attempts);

        Clock.Advance(TimeSpan.FromSeconds(1));
        var started = await s.UpdateItemAsync(a.Id, new ItemUpdate(it.Seq, ItemState.InProgress)
        { IncrementAttempts = true, BeforeJson = """{"folder":"inbox"}""", LeaseOwner = "s1" });
        Assert.Equal(ItemState.InProgress, started.State);
        Assert.Equal(1, started.Attempts);
        Assert.Equal("""{"folder":"inbox"}""", started.BeforeJson);
        Assert.Equal(Clock.GetUtcNow(), started.UpdatedAt);

        var failed = await s.UpdateItemAsync(a.Id, new ItemUpdate(it.Seq, ItemState.Failed) { Reason = "503 from Graph" });
        Assert.Equal("503 from Graph", failed.Reason);
        var retried = await s.UpdateItemAsync(a.Id, new ItemUpdate(it.Seq, ItemState.InProgress) { IncrementAttempts = true });
        Assert.Null(retried.Reason);
        Assert.Equal(2, retried.Attempts);
        var done = await s.UpdateItemAsync(a.Id, new ItemUpdate(it.Seq, ItemState.Done) { AfterJson = """{"id":"AAMk2"}""" });
        Assert.Equal("""{"folder":"inbox"}""", done.BeforeJson);
        Assert.Equal("""{"id":"AAMk2"}""", done.AfterJson);
        Assert.Equal("""{"id":"AAMk1"}""", done.DataJson);
        Assert.Equal(done, await s.GetItemAsync(a.Id, "k1"));

        var ex = await Assert.ThrowsAsync<AirException>(() => s.UpdateItemAsync(a.Id, new ItemUpdate(99, ItemState.Done)));
        Assert.Equal(AirErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task ItemsCanBeUpdatedInBatches()
    {
        var s = NewStore();
        var a = await Running(s, "s1");
        var items = await s.AddItemsAsync(a.Id, Enumerable.Range(0, 250).Select(i => new NewItem("k" + i)));
        var updated = await s.UpdateItemsAsync(a.Id, items.Select(i => new ItemUpdate(i.Seq, ItemState.Already) { Reason = "already in Deletions", LeaseOwner = "s1" }).ToList());
        Assert.Equal(250, updated.Count);
        Assert.All(updated, u => Assert.Equal(ItemState.Already, u.State));
        Assert.Equal(250, (await s.GetItemCountsAsync(a.Id)).Already);
        var ex = await Assert.ThrowsAsync<AirException>(() => s.UpdateItemsAsync(a.Id, [new ItemUpdate(1, ItemState.Done) { LeaseOwner = "s2" }]));
        Assert.Equal(AirErrorKind.Conflict, ex.Kind);
    }

    [Fact]
    public async Task CountsAlwaysAddUp()
    {
        var s = NewStore();
        var a = await Running(s);
        var items = await s.AddItemsAsync(a.Id, Enumerable.Range(0, 60).Select(i => new NewItem("k" + i)));
        var states = Enum.GetValues<ItemState>();
        await Task.WhenAll(items.Select((it, i) => s.UpdateItemAsync(a.Id, new ItemUpdate(it.Seq, states[i % states.Length]))));
        var c = await s.GetItemCountsAsync(a.Id);
        Assert.Equal(new ItemCounts(10, 10, 10, 10, 10, 10), c);
        Assert.Equal(60, c.Total);
        var byState = await ToList(s.GetItemsAsync(a.Id, new ItemQuery { States = [ItemState.Done, ItemState.Failed], PageSize = 7 }));
        Assert.Equal(20, byState.Count);
        Assert.Equal(ItemCounts.Empty, await s.GetItemCountsAsync("A-0000000000"));
        var partial = (await s.TryTransitionAsync(a.Id, [ActionState.Running], ActionState.PartiallyCompleted, Alice)).EnsureSucceeded();
        Assert.Equal(c, partial.Counts);
    }

    [Fact]
    public async Task TenThousandItemsPageThroughInOrderWithFlatMemory()
    {
        const int n = 12_000;
        var s = NewStore();
        var a = await Running(s);
        string payload = new('x', 4000); // ~8 KB per item in memory: materialising all would cost ~100 MB
        for (int b = 0; b < n; b += 2000)
        {
            await s.AddItemsAsync(a.Id, Enumerable.Range(b, 2000).Select(i => new NewItem($"mbx{i % 50}|<{i}@x>", $"mbx{i % 50}", payload)));
        }
        Assert.Equal(n, (await s.GetItemCountsAsync(a.Id)).Planned);

        // Streaming means an item is let go once the caller has moved on. Measured on the items themselves (weak
        // references to the first page's items, dead pages later), not on the process heap, which the tests running in
        // parallel share.
        var firstPage = new List<WeakReference>();
        long count = 0, lastSeq = 0;
        int stillAlive = -1;
        await foreach (var it in s.GetItemsAsync(a.Id, new ItemQuery { PageSize = 500 }))
        {
            Assert.Equal(lastSeq + 1, it.Seq);
            lastSeq = it.Seq;
            count++;
            if (count <= 100) firstPage.Add(new WeakReference(it));
            if (count == 6000)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                stillAlive = firstPage.Count(r => r.IsAlive);
            }
        }
        Assert.Equal(n, count);
        Assert.True(stillAlive == 0, $"{stillAlive} of the first 100 items of {n} were still held after 6,000 had been read; the enumeration should stream.");

        var resumeFrom = await ToList(s.GetItemsAsync(a.Id, new ItemQuery { AfterSeq = n - 10 }));
        Assert.Equal(10, resumeFrom.Count);
    }

    // ------------------------------------------------------------ audit

    [Fact]
    public async Task TheAuditTrailIsOneVerifiableChain()
    {
        var s = NewStore();
        var empty = await s.VerifyAuditTrailAsync();
        Assert.True(empty.IsValid);
        Assert.Equal(0, empty.Count);

        var a = await Running(s);
        var b = await Create(s, Proposal(ActionKind.BlockUrl), Runbook);
        await s.AppendAuditAsync(new AuditEntry(a.Id, "ReportedToAlert", Runbook with { Reason = "comment added to alert-1" }));
        await s.SetSettingAsync(StoreSettings.AllowSelfApproval, "true", Alice);

        var all = await ToList(s.GetAuditAsync());
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], all.Select(e => e.Seq));
        Assert.Equal(AuditChain.Genesis, all[0].PrevHash);
        for (int i = 1; i < all.Count; i++)
        {
            Assert.Equal(all[i - 1].Hash, all[i].PrevHash);
            Assert.Equal(AuditChain.ComputeHash(all[i]), all[i].Hash);
        }
        Assert.Equal(4, (await ToList(s.GetAuditAsync(a.Id))).Count);
        Assert.Single(await ToList(s.GetAuditAsync(b.Id)));

        var ok = await s.VerifyAuditTrailAsync();
        Assert.True(ok.IsValid, ok.Message);
        Assert.Equal(6, ok.Count);
        Assert.Equal(all[^1].Hash, ok.HeadHash);
        Assert.Equal(AuditProblem.None, ok.Problem);
    }

    [Theory]
    [InlineData(AuditTamper.EditReason, AuditProblem.HashMismatch, 3L)]
    [InlineData(AuditTamper.Delete, AuditProblem.MissingSequence, 3L)]
    [InlineData(AuditTamper.EditAndRehash, AuditProblem.BrokenLink, 4L)]
    public async Task TamperingIsDetectedAndTheFirstBrokenEntryNamed(AuditTamper how, AuditProblem problem, long brokenSeq)
    {
        var s = NewStore();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var a = await Create(s);
            ids.Add(a.Id);
            (await s.TryTransitionAsync(a.Id, FromPending, ActionState.Denied, Bob with { Reason = "false positive" })).EnsureSucceeded();
        }
        // Entries: 1 P(a0) 2 D(a0) 3 P(a1) 4 D(a1) 5 P(a2) 6 D(a2)
        Assert.True((await s.VerifyAuditTrailAsync()).IsValid);
        await TamperAuditAsync(s, 3, how);

        var v = await s.VerifyAuditTrailAsync();
        Assert.False(v.IsValid);
        Assert.Equal(problem, v.Problem);
        Assert.Equal(brokenSeq, v.BrokenSeq);
        Assert.Equal(ids[1], v.BrokenActionId);
        Assert.Contains($"Audit entry {brokenSeq}", v.Message, StringComparison.Ordinal);
        Assert.Contains(ids[1], v.Message, StringComparison.Ordinal);
        Assert.Equal(brokenSeq - 1, v.Count);
    }

    [Fact]
    public async Task A_trail_head_kept_outside_the_store_catches_entries_deleted_from_the_end()
    {
        var s = NewStore();
        var a = await Create(s);
        (await s.TryTransitionAsync(a.Id, FromPending, ActionState.Denied, Bob with { Reason = "false positive" })).EnsureSucceeded();
        await s.AppendAuditAsync(new AuditEntry(a.Id, "CommentPosted", Bob));
        // Entries: 1 Proposed, 2 Denied, 3 CommentPosted. The head names entry 3.
        var taken = await s.VerifyAuditTrailAsync();
        Assert.True(taken.IsValid);
        Assert.Matches("^3:[0-9a-f]{64}$", taken.Head);
        Assert.True((await s.VerifyAuditTrailAsync(taken.Head)).IsValid);
        // A head of another store (same number, other hash) is a rewritten trail.
        var rewritten = await s.VerifyAuditTrailAsync("3:" + new string('a', 64));
        Assert.Equal(AuditProblem.AnchorMismatch, rewritten.Problem);
        Assert.Equal(3, rewritten.BrokenSeq);

        // The last entry goes; every remaining entry still links, so only a head kept elsewhere can tell.
        await TamperAuditAsync(s, 3, AuditTamper.Delete);
        var v = await s.VerifyAuditTrailAsync(taken.Head);
        Assert.False(v.IsValid);
        Assert.Contains(v.Problem, new[] { AuditProblem.AnchorMismatch, AuditProblem.HeadMismatch });
        Assert.Equal(3, v.BrokenSeq);
        Assert.Contains("entries were deleted from the end", v.Message, StringComparison.Ordinal);

        var bad = await Assert.ThrowsAsync<AirException>(() => s.VerifyAuditTrailAsync("head-of-yesterday"));
        Assert.Equal(AirErrorKind.InvalidInput, bad.Kind);
        Assert.Contains("'head-of-yesterday' is not a trail head", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnActionWhoseStateWasChangedBehindTheStoresBackIsNamed()
    {
        var s = NewStore();
        var ok = await Create(s);
        var denied = await Create(s);
        (await s.TryTransitionAsync(denied.Id, FromPending, ActionState.Denied, Bob)).EnsureSucceeded();
        await s.AppendAuditAsync(new AuditEntry(denied.Id, "Note", Bob with { Reason = "free entries carry no state" }));
        Assert.True((await s.VerifyAuditTrailAsync()).IsValid);

        await TamperActionStateAsync(s, denied.Id, ActionState.Approved);
        var v = await s.VerifyAuditTrailAsync();
        Assert.False(v.IsValid);
        Assert.Equal(AuditProblem.ActionStateMismatch, v.Problem);
        Assert.Equal(denied.Id, v.BrokenActionId);
        Assert.Equal(3, v.BrokenSeq);
        Assert.Equal($"Action {denied.Id} is Approved in the store, but its audit trail ends in Denied (entry 3): the action was changed outside AirRemediation.", v.Message);
        Assert.NotEqual(ok.Id, v.BrokenActionId);
    }

    // ------------------------------------------------------------ settings

    [Fact]
    public async Task SettingsAreStoredAndEveryChangeIsAudited()
    {
        var s = NewStore();
        Assert.Null(await s.GetSettingAsync(StoreSettings.AllowSelfApproval));
        await s.SetSettingAsync(StoreSettings.AllowSelfApproval, "true", Alice with { Reason = "lab tenant" });
        await s.SetSettingAsync(StoreSettings.AppApprovers, "8a3b1c2d-app,9f00-app", Alice);
        await s.SetSettingAsync(StoreSettings.AppApprovers, "8a3b1c2d-app,9f00-app", Alice); // no change, no entry
        Assert.Equal("true", await s.GetSettingAsync(StoreSettings.AllowSelfApproval));
        var all = await s.GetSettingsAsync();
        Assert.Equal(2, all.Count);
        Assert.Equal("8a3b1c2d-app,9f00-app", all[StoreSettings.AppApprovers]);

        await s.SetSettingAsync(StoreSettings.AllowSelfApproval, null, Bob);
        Assert.Null(await s.GetSettingAsync(StoreSettings.AllowSelfApproval));

        var audit = await ToList(s.GetAuditAsync());
        Assert.Equal(3, audit.Count);
        Assert.All(audit, e => Assert.Equal("SettingChanged", e.Event));
        Assert.All(audit, e => Assert.Null(e.ActionId));
        Assert.Contains("AllowSelfApproval", audit[0].Reason, StringComparison.Ordinal);
        Assert.Contains("lab tenant", audit[0].Reason, StringComparison.Ordinal);
        Assert.Equal(Bob.Actor, audit[2].Actor);
    }

    // ------------------------------------------------------------ helpers built on the contract

    [Fact]
    public async Task DuePendingActionsExpireOnceWithTheirAuditEntry()
    {
        var s = NewStore();
        var soon = await Create(s, Proposal(expires: Clock.GetUtcNow().AddDays(1)));
        var later = await Create(s, Proposal(expires: Clock.GetUtcNow().AddDays(7)));
        var never = await Create(s);
        Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await s.ExpireDueAsync(Runbook));
        Assert.Equal(0, await s.ExpireDueAsync(Runbook));
        var e = await s.GetActionAsync(soon.Id);
        Assert.Equal(ActionState.Expired, e!.State);
        Assert.Equal(Clock.GetUtcNow(), e.DecidedAt);
        Assert.Equal(ActionState.Pending, (await s.GetActionAsync(later.Id))!.State);
        Assert.Equal(ActionState.Pending, (await s.GetActionAsync(never.Id))!.State);
        Assert.Equal("Expired", (await ToList(s.GetAuditAsync(soon.Id)))[^1].Event);
    }

    [Fact]
    public async Task CredentialsAreRefusedButPhishingContentIsNot()
    {
        var s = NewStore();
        const string jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl";
        var ex = await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(Proposal(), Alice with { SignIn = "AccessToken " + jwt }));
        Assert.Equal(AirErrorKind.InvalidInput, ex.Kind);
        Assert.DoesNotContain(jwt, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(Proposal(), Alice with { SignIn = "ClientSecret client_secret=Zx8Q~abcdefghijkl" }));
        await Assert.ThrowsAsync<AirException>(() => s.SetSettingAsync("AppApprovers", "password=hunter2hunter2", Alice));

        var a = await Running(s);
        // Item data, summaries and parameters carry what attackers write (subjects, URLs, rule names): whatever they look
        // like, they are stored, or a phishing sender could stop its own remediation by putting a "token" in the subject.
        var items = await s.AddItemsAsync(a.Id,
        [
            new NewItem("m1", DataJson: """{"subject":"Your password: expires today, reset now"}"""),
            new NewItem("https://evil.blob.core.windows.net/p/login.html?sv=2022&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%3D"),
            new NewItem("m2", DataJson: """{"subject":"Your access: Bearer ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"}"""),
            new NewItem("m3", DataJson: $$"""{"subject":"Bearer {{jwt}}"}"""),
        ]);
        Assert.Equal(4, items.Count);
        Assert.Contains("Bearer ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", (await s.GetItemAsync(a.Id, "m2"))!.DataJson, StringComparison.Ordinal);
        var phish = (await s.CreateActionAsync(Proposal() with { Summary = "Soft delete \"Your access: Bearer ABCDEFGHIJKLMNOPQRSTUVWXYZ0123\"" }, Alice)).Action;
        Assert.Contains("Bearer ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", (await s.GetActionAsync(phish.Id))!.Summary, StringComparison.Ordinal);
        Assert.Empty(await ToList(s.QueryActionsAsync(new ActionQuery { ProposedBy = "nobody" })));
    }

    // ------------------------------------------------------------ misc

    [Fact]
    public async Task CancelledTokensAreHonouredAndAnActorIsRequired()
    {
        var s = NewStore();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.CreateActionAsync(Proposal(), Alice, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.GetActionAsync("A-0000000000", cts.Token));
        var ex = await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(Proposal(), new AuditContext(" ")));
        Assert.Equal(AirErrorKind.InvalidInput, ex.Kind);
        Assert.Empty(await ToList(s.QueryActionsAsync(new ActionQuery())));
    }
}
