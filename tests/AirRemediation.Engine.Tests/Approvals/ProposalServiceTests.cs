using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Approvals;

/// <summary>
/// The queue's inflow through the public proposal service: identical proposals within an hour collapse, the same
/// Defender evidence is never queued twice, evidence that cannot become a proposal is listed without keeping the rest
/// out, a proposal with a bad input is refused whole, and pending actions past their week expire.
/// </summary>
public sealed class ProposalServiceTests
{
    /// <summary>The default scenario's alert awaiting approval: message, cluster, URL and forwarding-rule evidence.</summary>
    private const string PendingAlert = "fa8e5a1c2d3e4f5a6b7c8d9e0f1a2b3c4d_-1234567890";

    private static NormalizedRequest Block(Engine.Auth.AirSession s, params string[] urls) => Remediation.Normalize(s, new UrlBlockRequest { Urls = urls });

    private static async Task<List<ActionRecord>> QueueAsync(Engine.Auth.AirSession s) =>
        await (await s.GetStoreAsync(default)).QueryActionsAsync(new ActionQuery(), default).ToListAsync();

    [Fact]
    public async Task An_identical_proposal_within_an_hour_collapses_into_the_first_and_a_later_one_does_not()
    {
        await using var t = await ApprovalTenant.StartAsync();
        // Proposals make no service call; the session's clock only stamps them, and the test moves it.
        var clock = new TestClock();
        var app = await t.AppAsync(clock: clock, retry: FaultTenant.Unpaced(FaultTenant.QuickRetries));

        var first = await ProposalService.ProposeAsync(app, Block(app, "b.example", "a.example"), null, null, default);
        clock.Advance(TimeSpan.FromMinutes(59));
        // The same URLs in another order (and case) are the same request.
        var again = await ProposalService.ProposeAsync(app, Block(app, "A.example", "b.example"), null, null, default);
        var other = await ProposalService.ProposeAsync(app, Block(app, "a.example", "b.example", "c.example"), null, null, default);
        clock.Advance(TimeSpan.FromMinutes(2));
        var later = await ProposalService.ProposeAsync(app, Block(app, "a.example", "b.example"), null, null, default);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Action.Id, again.Action.Id);
        Assert.True(other.Created);
        Assert.NotEqual(first.Action.Id, other.Action.Id);
        Assert.True(later.Created, "an hour after the first, the same proposal is a new one");
        Assert.NotEqual(first.Action.Id, later.Action.Id);
        Assert.Equal(3, (await QueueAsync(app)).Count);
    }

    [Fact]
    public async Task A_proposal_with_a_rejected_input_is_refused_whole()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var app = await t.AppAsync();
        var request = Block(app, "fine.example", "https://scheme-not-allowed.example/x");
        Assert.Single(request.Rejected);

        var e = await Assert.ThrowsAsync<AirException>(() => ProposalService.ProposeAsync(app, request, null, null, default));

        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Empty(await QueueAsync(app));
    }

    [Fact]
    public async Task The_same_evidence_is_never_queued_twice_even_after_it_was_decided()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var clock = new TestClock();
        var app = await t.AppAsync(clock: clock, retry: FaultTenant.Unpaced(FaultTenant.QuickRetries));
        var alex = await t.UserAsync(ApprovalTenant.Alex);

        var first = await ProposalService.SyncAsync(app, null, default);
        var queued = await QueueAsync(app);
        // One proposal per piece of evidence awaiting approval: the message, the cluster, the URL, the forwarding rule.
        Assert.Equal(4, first.Created);
        Assert.Empty(first.NotQueued);
        Assert.Equal(
            new[] { ActionKind.SoftDeleteEmail, ActionKind.SoftDeleteCluster, ActionKind.BlockUrl, ActionKind.DisableForwarding }.Order(),
            queued.Select(a => a.Kind).Order());
        Assert.All(queued, a => Assert.Equal(PendingAlert, a.InvestigationId));
        Assert.All(queued, a => Assert.Equal("Microsoft Defender AIR", a.ProposedBy));

        var second = await ProposalService.SyncAsync(app, null, default);
        Assert.Equal(0, second.Created);
        Assert.Equal(4, second.AlreadyQueued);

        // Denied, and well outside the hour in which identical proposals collapse: the evidence still is not queued again.
        await DecisionService.DenyAsync(alex, queued.Single(a => a.Kind == ActionKind.BlockUrl).Id, "Partner site.", default);
        clock.Advance(TimeSpan.FromHours(2));
        var third = await ProposalService.SyncAsync(app, null, default);
        Assert.Equal(0, third.Created);
        Assert.Equal(4, third.AlreadyQueued);
        Assert.Equal(4, (await QueueAsync(app)).Count);
    }

    [Fact]
    public async Task Sync_lists_the_evidence_it_cannot_turn_into_a_proposal_and_still_queues_the_rest()
    {
        await using var t = await ApprovalTenant.StartAsync(doc =>
        {
            var evidence = doc.Alerts.Single(a => (string?)a["id"] == PendingAlert)["evidence"]!.AsArray();
            // A message without a recipient, and a cluster whose message is unknown to analyzedEmails.
            evidence.Add(new JsonObject
            {
                ["@odata.type"] = "analyzedMessageEvidence", ["verdict"] = "malicious", ["remediationStatus"] = "pendingApproval",
                ["networkMessageId"] = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f", ["internetMessageId"] = "<no-recipient@evil.example>",
            });
            evidence.Add(new JsonObject
            {
                ["@odata.type"] = "mailClusterEvidence", ["verdict"] = "malicious", ["remediationStatus"] = "pendingApproval",
                ["clusterBy"] = "Subject", ["clusterByValue"] = "Nobody got this", ["networkMessageIds"] = new JsonArray("1e1e1e1e-1e1e-4e1e-8e1e-1e1e1e1e1e1e"),
            });
        });
        var app = await t.AppAsync();
        var log = new CapturingLog();

        SyncResult result;
        using (AirLog.Use(log)) result = await ProposalService.SyncAsync(app, null, default);

        Assert.Equal(4, result.Created);
        Assert.Equal(2, result.NotQueued.Count);
        Assert.Contains(result.NotQueued, n => n.Contains($"alert {PendingAlert} analyzedMessageEvidence", StringComparison.Ordinal)
            && n.Contains("no recipient or internet message id", StringComparison.Ordinal));
        Assert.Contains(result.NotQueued, n => n.Contains($"alert {PendingAlert} mailClusterEvidence", StringComparison.Ordinal)
            && n.Contains("none of the cluster's network message ids resolved", StringComparison.Ordinal));
        Assert.Equal(2, log.Warnings.Count(w => w.StartsWith("Evidence not queued: ", StringComparison.Ordinal)));
        Assert.Equal(4, (await QueueAsync(app)).Count);
    }

    [Fact]
    public async Task Pending_actions_past_their_week_are_marked_Expired()
    {
        await using var t = await ApprovalTenant.StartAsync();
        // Proposed by a session whose clock says 1 January 2000; proposed again today.
        var past = await t.AppAsync(clock: new FakeTimeProvider());
        var today = await t.AppAsync();
        var old = await ProposalService.ProposeAsync(past, Block(past, "old.example"), null, null, default);
        var fresh = await ProposalService.ProposeAsync(today, Block(today, "fresh.example"), null, null, default);

        Assert.Equal(1, await ProposalService.ExpireAsync(today, default));

        var queue = await QueueAsync(today);
        Assert.Equal(ActionState.Expired, queue.Single(a => a.Id == old.Action.Id).State);
        Assert.Equal(ActionState.Pending, queue.Single(a => a.Id == fresh.Action.Id).State);
        Assert.Equal(0, await ProposalService.ExpireAsync(today, default));
    }
}
