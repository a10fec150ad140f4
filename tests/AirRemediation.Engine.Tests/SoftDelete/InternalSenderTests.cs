using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.SoftDelete;

/// <summary>
/// Issue 16 item 8: Graph's <c>from/emailAddress/address eq</c> is reported not to match senders of the same organisation,
/// and the simulator now answers that way. A cluster from a compromised internal account must still find all of its
/// mail (the sender matched on our side), and a query that cannot be narrowed on the server is refused, not run blind.
/// </summary>
public sealed class InternalSenderTests
{
    private const string Internal = "diego@contoso.com";
    private const string External = "billing@fabrikam-payments.example";
    private const string Subject = "Shared file: Q4 bonus plan";

    private static Task<ApprovalTenant> StartAsync() => ApprovalTenant.StartAsync(doc =>
    {
        var n = 0;
        foreach (var m in doc.Mailboxes.Where(m => m.User is "adele@contoso.com" or "lynne@contoso.com" or "megan@contoso.com"))
        {
            n++;
            m.Messages.Add(new MessageSpec { InternetMessageId = $"<bonus-{n}@contoso.com>", Subject = Subject, From = Internal, ReceivedDateTime = new DateTimeOffset(2026, 11, 27, 8, n, 0, TimeSpan.Zero) });
            // Same subject from someone else: must stay.
            m.Messages.Add(new MessageSpec { InternetMessageId = $"<bonus-reply-{n}@contoso.com>", Subject = Subject, From = "alex@contoso.com", ReceivedDateTime = new DateTimeOffset(2026, 11, 27, 9, n, 0, TimeSpan.Zero) });
        }
    });

    private static readonly string[] Three = ["adele@contoso.com", "lynne@contoso.com", "megan@contoso.com"];

    [Fact]
    public async Task A_cluster_from_an_internal_sender_moves_every_message_it_sent_and_nothing_else()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Remediation.Normalize(app, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Sender = Internal, Subject = Subject },
            Mailboxes = Three,
        }), null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, run.State);
        Assert.Equal(3, run.Succeeded);
        var all = t.Sim.State.Mailboxes.SelectMany(m => m.Messages).Where(m => m.Subject == Subject).ToList();
        Assert.All(all.Where(m => m.FromAddress == Internal), m => Assert.Equal(1, m.TimesMoved));
        Assert.All(all.Where(m => m.FromAddress != Internal), m => Assert.Equal(0, m.TimesMoved));
    }

    [Fact]
    public async Task An_internal_sender_alone_is_refused_with_what_to_add_before_anything_is_journaled()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var store = await app.GetStoreAsync(default);

        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.RunAsync(app, Remediation.Normalize(app, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Sender = Internal },
            Mailboxes = Three,
        }), null, RunSink.None, default));

        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains($"-Sender {Internal} is in this tenant's own domain", e.Message, StringComparison.Ordinal);
        Assert.Contains("Add -Subject or -ReceivedAfter", e.Message, StringComparison.Ordinal);
        Assert.Empty(await store.QueryActionsAsync(new AirRemediation.Engine.Store.ActionQuery()).ToListAsync());
    }

    [Fact]
    public async Task An_external_sender_alone_is_still_filtered_on_the_server()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Remediation.Normalize(app, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Sender = External },
            Mailboxes = ["adele@contoso.com"],
        }), null, RunSink.None, default);

        Assert.Equal(ActionState.Completed, run.State);
        var expected = t.Sim.State.Mailboxes.Single(m => m.Owner.Mail == "adele@contoso.com").Messages.Count(m => m.FromAddress == External);
        Assert.True(expected >= 1);
        Assert.Equal(expected, run.Succeeded);
    }
}
