using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Investigations;

/// <summary>
/// Issue 16 item 10: Defender's mailClusterEvidence lists network message ids; resolving them through analyzedEmails
/// one request per id against a 150-a-minute bucket would take over 30 minutes for 5,000 messages. They are resolved in
/// batches (or-ed ids, with a time window), counted by the simulator's own tally of analyzedEmails queries.
/// </summary>
public sealed class ClusterEvidenceTests
{
    private const int Messages = 60;

    [Fact]
    public async Task A_cluster_of_sixty_messages_resolves_in_three_batched_queries_with_a_time_window()
    {
        var ids = Enumerable.Range(0, Messages).Select(i => $"7c0d{i:0000}-1111-4222-8333-444455556666").ToList();
        await using var t = await ApprovalTenant.StartAsync(doc =>
        {
            var mailboxes = doc.Mailboxes.Where(m => m.User is "adele@contoso.com" or "lynne@contoso.com" or "megan@contoso.com").ToList();
            for (var i = 0; i < Messages; i++)
                mailboxes[i % mailboxes.Count].Messages.Add(new MessageSpec
                {
                    InternetMessageId = $"<wave-{i}@tailspin-billing.example>", NetworkMessageId = ids[i], Subject = "Invoice 7731 overdue",
                    From = "ar@tailspin-billing.example", ReceivedDateTime = new DateTimeOffset(2026, 11, 26, 7, 0, 0, TimeSpan.Zero).AddMinutes(i),
                });
            // One alert with only this cluster's evidence, raised after the wave.
            var alert = (JsonObject)doc.Alerts[0].DeepClone();
            alert["id"] = "alert-wave";
            alert["createdDateTime"] = "2026-11-26T09:00:00Z";
            alert["evidence"] = new JsonArray(new JsonObject
            {
                ["@odata.type"] = "mailClusterEvidence", ["verdict"] = "malicious", ["remediationStatus"] = "pendingApproval",
                ["clusterBy"] = "Subject;SenderDomain", ["clusterByValue"] = "Invoice 7731 overdue;tailspin-billing.example",
                ["emailCount"] = Messages, ["networkMessageIds"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]),
                ["query"] = "(Subject:\"Invoice 7731 overdue\")", ["urn"] = "urn:MailCluster:wave",
            });
            doc.Alerts = [alert];
        });
        var app = await t.AppAsync();
        t.Sim.Stats.AnalyzedEmailsQueries = 0;

        var sync = await ProposalService.SyncAsync(app, "alert-wave", default);

        Assert.Equal(1, sync.Created);
        // Sixty ids, twenty a query: three queries (one per id would be sixty), each with its window.
        Assert.Equal(3, Interlocked.Read(ref t.Sim.Stats.AnalyzedEmailsQueries));
        Assert.Equal(0, Interlocked.Read(ref t.Sim.Stats.AnalyzedEmailsQueriesWithoutWindow));
        var store = await app.GetStoreAsync(default);
        var proposal = await store.QueryActionsAsync(new AirRemediation.Engine.Store.ActionQuery { InvestigationId = "alert-wave" }).SingleAsync();
        Assert.Equal(ActionKind.SoftDeleteCluster, proposal.Kind);
        var request = System.Text.Json.JsonSerializer.Deserialize<JsonObject>(proposal.ParametersJson)!;
        Assert.Equal(Messages, request["Messages"]!.AsArray().Count);
    }
}
