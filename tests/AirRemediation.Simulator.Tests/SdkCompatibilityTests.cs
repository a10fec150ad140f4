using Microsoft.Graph;
using Microsoft.Graph.Authentication;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Models.Security;
using Microsoft.Graph.Security.Collaboration.AnalyzedEmails.MicrosoftGraphSecurityRemediate;

namespace AirRemediation.Simulator.Tests;

/// <summary>The Graph SDK's typed builders for security and batching, including the pitfalls the module must work around.</summary>
public sealed class SdkCompatibilityTests
{
    const string AlertId = "fa8e5a1c2d3e4f5a6b7c8d9e0f1a2b3c4d_-1234567890";

    static GraphServiceClient Client(SimulatorServer s) =>
        new(GraphClientFactory.Create(), new AzureIdentityAuthenticationProvider(TestTenant.SecretCredential(s), ["127.0.0.1"], null, true, TestTenant.GraphScope), s.Graph);

    [Fact]
    public async Task Alerts_deserialize_with_email_evidence_types_and_patch_works()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        var alert = await graph.Security.Alerts_v2[AlertId].GetAsync(r => r.Headers.Add("Prefer", "include-unknown-enum-members"));
        Assert.Equal(AlertStatus.New, alert!.Status);
        var evidence = alert.Evidence!;
        var message = Assert.IsType<AnalyzedMessageEvidence>(evidence[0]);
        Assert.Equal("8b1f3c2e-5d4a-4e6b-9c7d-0e1f2a3b4c5d", message.NetworkMessageId);
        Assert.Equal(EvidenceRemediationStatus.PendingApproval, message.RemediationStatus);
        Assert.Contains(evidence, e => e is MailClusterEvidence c && c.NetworkMessageIds!.Count == 1);
        Assert.Contains(evidence, e => e is UrlEvidence);
        Assert.Contains(evidence, e => e is MailboxEvidence);
        Assert.Contains(evidence, e => e is MailboxConfigurationEvidence m && m.ConfigurationType == MailboxConfigurationType.MailForwardingRule);

        var withoutHeader = await graph.Security.Alerts_v2[AlertId].GetAsync();
        Assert.Equal(EvidenceRemediationStatus.UnknownFutureValue, withoutHeader!.Evidence![0].RemediationStatus);

        var patched = await graph.Security.Alerts_v2[AlertId].PatchAsync(new Alert { Status = AlertStatus.InProgress, AssignedTo = "megan@contoso.com" });
        Assert.Equal(AlertStatus.InProgress, patched!.Status);
    }

    [Fact]
    public async Task The_typed_comments_builder_posts_an_array_and_gets_Empty_Payload_like_the_real_service()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        var e = await Assert.ThrowsAsync<ODataError>(() => graph.Security.Alerts_v2[AlertId].Comments.PostAsync([new AlertComment { Comment = "x" }]));
        Assert.Equal(400, e.ResponseStatusCode);
        Assert.Equal("Empty Payload. JSON content expected.", e.Error!.Message);
    }

    [Fact]
    public async Task Remediate_through_the_sdk_soft_deletes()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        var list = await graph.Security.Collaboration.AnalyzedEmails.GetAsync(r => r.QueryParameters.Filter = "networkMessageId eq '8b1f3c2e-5d4a-4e6b-9c7d-0e1f2a3b4c5d' and recipientEmailAddress eq 'lynne@contoso.com'");
        var copy = Assert.Single(list!.Value!);
        await graph.Security.Collaboration.AnalyzedEmails.MicrosoftGraphSecurityRemediate.PostAsync(new RemediatePostRequestBody
        {
            DisplayName = "AirRemediation soft delete",
            Description = "cluster",
            Severity = RemediationSeverity.Medium,
            Action = RemediationAction.SoftDelete,
            RemediateSendersCopy = false,
            AnalyzedEmails = [new AnalyzedEmail { NetworkMessageId = copy.NetworkMessageId, RecipientEmailAddress = copy.RecipientEmailAddress }],
        });
        var lynne = s.State.FindUser("lynne@contoso.com")!.Mailbox!;
        lock (lynne.Gate) Assert.Equal(State.WellKnownFolders.RecoverableItemsDeletions, lynne.Messages.Single(m => m.NetworkMessageId == copy.NetworkMessageId).FolderIndex);
    }

    [Fact]
    public async Task Sdk_batches_round_trip()
    {
        await using var s = await TestTenant.StartAsync();
        var graph = Client(s);
        var batch = new BatchRequestContentCollection(graph);
        var users = await batch.AddBatchRequestStepAsync(graph.Users.ToGetRequestInformation(r => r.QueryParameters.Top = 3));
        var rules = await batch.AddBatchRequestStepAsync(graph.Users["adele@contoso.com"].MailFolders["inbox"].MessageRules.ToGetRequestInformation());
        var missing = await batch.AddBatchRequestStepAsync(graph.Users["ghost@contoso.com"].Messages.ToGetRequestInformation());
        var response = await graph.Batch.PostAsync(batch);
        var u = await response.GetResponseByIdAsync<Microsoft.Graph.Models.UserCollectionResponse>(users);
        Assert.Equal(3, u.Value!.Count);
        var r = await response.GetResponseByIdAsync<Microsoft.Graph.Models.MessageRuleCollectionResponse>(rules);
        Assert.Equal(3, r.Value!.Count);
        var codes = await response.GetResponsesStatusCodesAsync();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, codes[missing]);
    }
}
