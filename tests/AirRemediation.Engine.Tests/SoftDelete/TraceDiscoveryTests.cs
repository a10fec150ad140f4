using System.Globalization;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.SoftDelete;

/// <summary>
/// Issue 17 item 1: a cluster soft delete asks message trace who received the mail and searches only those mailboxes, by
/// internet message id; external recipients and mail not delivered are reported as Skipped with the reason; Auto says
/// which way it went and why.
/// </summary>
public sealed class TraceDiscoveryTests
{
    private const string Sender = "payroll@tailspin-hr.example";
    private const string Subject = "Updated direct deposit form";
    // Relative to today: message trace reaches back 90 days from the real clock, so a fixed date would age out of it.
    private static readonly DateTimeOffset Sent = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-8).AddHours(6.5);
    private static readonly string[] Receivers = ["adele@contoso.com", "lynne@contoso.com", "megan@contoso.com"];

    private static Task<ApprovalTenant> StartAsync() => ApprovalTenant.StartAsync(doc =>
    {
        foreach (var m in doc.Mailboxes.Where(m => Receivers.Contains(m.User)))
            m.Messages.Add(new MessageSpec { InternetMessageId = "<dd-form@tailspin-hr.example>", Subject = Subject, From = Sender, ReceivedDateTime = Sent });
        doc.MessageTrace.Add(new TraceRowSpec { MessageId = "<dd-form@tailspin-hr.example>", SenderAddress = Sender, RecipientAddress = "vendor@fabrikam.example", Subject = Subject, Received = Sent });
        doc.MessageTrace.Add(new TraceRowSpec { MessageId = "<dd-form@tailspin-hr.example>", SenderAddress = Sender, RecipientAddress = "diego@contoso.com", Subject = Subject, Status = "FilteredAsSpam", Received = Sent });
    });

    private static NormalizedRequest Cluster(AirRemediation.Engine.Auth.AirSession s, ClusterDiscovery discovery, DateTimeOffset? after) =>
        Remediation.Normalize(s, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Sender = Sender, Subject = Subject, ReceivedAfter = after },
            AllMailboxes = true,
            Discovery = discovery,
        });

    private static long MailboxRequests(ApprovalTenant t) => t.Sim.Stats.Mailboxes.Values.Sum(m => Interlocked.Read(ref m.Requests));

    [Fact]
    public async Task Auto_uses_message_trace_searches_only_the_receiving_mailboxes_and_reports_the_rest()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.Auto, Sent.AddDays(-15)), null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, run.State);
        Assert.Equal(3, run.Succeeded);
        Assert.Equal(2, run.Skipped);
        Assert.Contains("Discovery: message trace (", run.Note, StringComparison.Ordinal);
        Assert.Contains("3 mailboxes to search, 2 recipients skipped", run.Note, StringComparison.Ordinal);
        // Only the three receiving mailboxes were touched: every other mailbox saw no request at all.
        var touched = t.Sim.Stats.Mailboxes.Where(p => Interlocked.Read(ref p.Value.Requests) > 0).Select(p => p.Key).ToList();
        Assert.Equal(Receivers.Length, touched.Count);
        // The three addresses became user keys in one directory query (mail in (…)), not one query each.
        Assert.Equal(1, Interlocked.Read(ref t.Sim.Stats.UserQueries));
        var store = await app.GetStoreAsync(default);
        var skipped = await store.GetItemsAsync(run.ActionId, new AirRemediation.Engine.Store.ItemQuery { States = [ItemState.Skipped] }).ToListAsync();
        Assert.Contains(skipped, i => i.Target == "vendor@fabrikam.example" && i.Reason!.Contains("outside this tenant", StringComparison.Ordinal));
        Assert.Contains(skipped, i => i.Target == "diego@contoso.com" && i.Reason!.Contains("FilteredAsSpam", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_full_scan_finds_the_same_messages_by_searching_every_mailbox()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.FullScan, Sent.AddDays(-15)), null, RunSink.None, default);

        Assert.Equal(3, run.Succeeded);
        Assert.Equal("Discovery: full scan (as asked).", run.Note);
        Assert.True(t.Sim.Stats.Mailboxes.Count(p => Interlocked.Read(ref p.Value.Requests) > 0) > Receivers.Length);
    }

    [Fact]
    public async Task Auto_without_a_window_scans_and_says_why_and_MessageTrace_without_one_is_refused()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.Auto, null), null, RunSink.None, default);
        Assert.Equal(3, run.Succeeded);
        Assert.Equal("Discovery: full scan (the cluster has no -ReceivedAfter, so its window is unknown).", run.Note);

        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.MessageTrace, null), null, RunSink.None, default));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("-Discovery MessageTrace cannot be used: the cluster has no -ReceivedAfter", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ClusterDiscovery.MessageTrace)]
    [InlineData(ClusterDiscovery.FullScan)]
    public async Task A_subject_matched_by_its_start_finds_the_same_messages_either_way(ClusterDiscovery discovery)
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var request = Remediation.Normalize(app, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Sender = Sender, Subject = "updated DIRECT", SubjectMatch = SubjectMatch.StartsWith, ReceivedAfter = Sent.AddDays(-3) },
            AllMailboxes = true,
            Discovery = discovery,
        });

        var run = await Remediation.RunAsync(app, request, null, RunSink.None, default);

        Assert.Equal(3, run.Succeeded);
        Assert.StartsWith(discovery == ClusterDiscovery.MessageTrace ? "Discovery: message trace" : "Discovery: full scan", run.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_older_than_ninety_days_is_scanned_under_Auto_saying_why_and_refused_under_MessageTrace_naming_the_window()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var after = DateTimeOffset.UtcNow.AddDays(-100);
        var log = new CapturingLog();

        RunSummary run;
        using (AirLog.Use(log)) run = await Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.Auto, after), null, RunSink.None, default);

        // Auto: the full scan, and the note (in the summary and in -Verbose) says which way and why, naming the window.
        Assert.Equal(3, run.Succeeded);
        Assert.StartsWith("Discovery: full scan (-ReceivedAfter (" + after.ToString("u", CultureInfo.InvariantCulture) + ") is 100 days ago", run.Note, StringComparison.Ordinal);
        Assert.Contains("message trace keeps 90 days", run.Note, StringComparison.Ordinal);
        Assert.Contains(log.Lines, l => l.Level == "verbose" && l.Message == run.Note);
        Assert.Equal(0, t.Sim.Stats.MessageTraceQueries);

        // MessageTrace, asked for by name: refused before anything is created or searched, naming the window and the limit.
        var requests = Interlocked.Read(ref t.Sim.Stats.TotalRequests);
        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.RunAsync(app, Cluster(app, ClusterDiscovery.MessageTrace, after), null, RunSink.None, default));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.StartsWith("-Discovery MessageTrace cannot be used: -ReceivedAfter (" + after.ToString("u", CultureInfo.InvariantCulture) + ") is 100 days ago", e.Message, StringComparison.Ordinal);
        Assert.Contains("message trace keeps 90 days", e.Message, StringComparison.Ordinal);
        Assert.Equal(requests, Interlocked.Read(ref t.Sim.Stats.TotalRequests));
    }

    [Fact]
    public async Task A_resumed_run_searches_only_the_mailboxes_whose_copies_the_journal_does_not_yet_account_for()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var store = await app.GetStoreAsync(default);
        // A process moved Adele's copy, journaled it Done and died (its lease ran out) before the other two mailboxes.
        var adele = t.Sim.State.FindUser("adele@contoso.com")!.Mailbox!;
        string immutableId;
        lock (adele.Gate)
        {
            var copy = adele.Messages.Single(m => m.InternetMessageId == "<dd-form@tailspin-hr.example>");
            copy.FolderIndex = adele.ResolveFolder("recoverableitemsdeletions");
            immutableId = AirRemediation.Simulator.State.ItemIds.ImmutableId(adele.Index, copy.Seq);
        }
        var request = Cluster(app, ClusterDiscovery.Auto, Sent.AddDays(-15)).Request;
        await using (var dead = AirRemediation.Engine.Store.SqliteActionStore.Open(store.Location, clock: new Microsoft.Extensions.Time.Testing.FakeTimeProvider()))
        {
            var created = await dead.CreateActionAsync(new AirRemediation.Engine.Store.NewAction
            {
                Kind = request.Kind, InitialState = ActionState.Running, ParametersJson = KindRegistry.For(request.Kind).ToJson(request),
                Lease = new AirRemediation.Engine.Store.LeaseRequest("elsewhere/1/dead00", TimeSpan.FromMilliseconds(1)),
            }, new AirRemediation.Engine.Store.AuditContext("killed-session@contoso.com"));
            var data = new MessageItemData("adele@contoso.com", immutableId, "<dd-form@tailspin-hr.example>", Subject, null, Sent);
            var item = Assert.Single(await dead.AddItemsAsync(created.Action.Id,
                [new AirRemediation.Engine.Store.NewItem(MessageItemData.Key("adele@contoso.com", immutableId), "adele@contoso.com", data.ToJson())]));
            await dead.UpdateItemAsync(created.Action.Id, new AirRemediation.Engine.Store.ItemUpdate(item.Seq, ItemState.Done) { AfterJson = "{}" });
            t.Sim.ResetStats();

            var resumed = await Remediation.ResumeAsync(app, created.Action.Id, RunSink.None, default);

            Assert.Equal(ActionState.Completed, resumed.State);
            Assert.Equal(3, resumed.Succeeded);
            Assert.Equal(2, resumed.Skipped);
        }
        // Adele's mailbox, whose copy the journal already holds, saw no request at all; the other two were moved once.
        Assert.Equal(0, t.Sim.Stats.Mailboxes.TryGetValue("adele@contoso.com", out var st) ? Interlocked.Read(ref st.Requests) : 0);
        foreach (var r in Receivers.Where(r => r != "adele@contoso.com"))
        {
            var mbx = t.Sim.State.FindUser(r)!.Mailbox!;
            lock (mbx.Gate) Assert.Equal(1, mbx.Messages.Single(x => x.InternetMessageId == "<dd-form@tailspin-hr.example>").TimesMoved);
        }
    }
}
