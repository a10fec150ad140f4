using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.SoftDelete;

/// <summary>
/// Issue 16 item 9: Graph's /users/{u}/messages lists Microsoft Teams chat messages beside mail (a known issue on the
/// list-messages page). A compromised internal account that phishes by mail and by chat leaves both; a cluster soft
/// delete moves the mail and never the chats, and says so.
/// </summary>
public sealed class TeamsChatItemsTests
{
    private const string Sender = "diego@contoso.com";
    private const string Subject = "Urgent: confirm your payroll details";

    [Fact]
    public async Task A_cluster_moves_the_mail_and_reports_the_Teams_chats_it_matched_as_skipped()
    {
        await using var t = await ApprovalTenant.StartAsync(doc =>
        {
            var n = 0;
            foreach (var m in doc.Mailboxes.Where(m => m.User is "adele@contoso.com" or "lynne@contoso.com"))
            {
                n++;
                m.Messages.Add(new MessageSpec { InternetMessageId = $"<payroll-{n}@contoso.com>", Subject = Subject, From = Sender, ReceivedDateTime = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero) });
                m.Messages.Add(new MessageSpec
                {
                    InternetMessageId = $"<1732698000{n}@teams.contoso.com>", Subject = Subject, From = Sender, ItemClass = "IPM.SkypeTeams.Message",
                    ReceivedDateTime = new DateTimeOffset(2026, 11, 27, 9, 1, 0, TimeSpan.Zero),
                });
            }
        });
        var app = await t.AppAsync();

        var run = await Remediation.RunAsync(app, Remediation.Normalize(app, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Sender = Sender, Subject = Subject },
            Mailboxes = ["adele@contoso.com", "lynne@contoso.com"],
        }), null, RunSink.None, default);

        Assert.Equal(2, run.Succeeded);
        Assert.Equal(2, run.Skipped);
        Assert.Equal(0, run.Failed);
        var messages = t.Sim.State.Mailboxes.SelectMany(m => m.Messages).Where(m => m.Subject == Subject).ToList();
        Assert.All(messages.Where(m => m.ItemClass == "IPM.Note"), m => Assert.Equal(1, m.TimesMoved));
        Assert.All(messages.Where(m => m.ItemClass != "IPM.Note"), m => Assert.Equal(0, m.TimesMoved));
        var store = await app.GetStoreAsync(default);
        var skipped = await store.GetItemsAsync(run.ActionId, new AirRemediation.Engine.Store.ItemQuery { States = [ItemState.Skipped] }).ToListAsync();
        Assert.Equal(2, skipped.Count);
        Assert.All(skipped, i => Assert.Equal("A Teams chat message (IPM.SkypeTeams.Message), not mail: not moved.", i.Reason));
    }
}
