using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.State;

/// <summary>
/// Seeded scale tenant. Users gen{i:D5}@{default domain} each get one mailbox with N background messages; one phishing
/// mail (ClusterSubject from ClusterSender, internetMessageId ClusterInternetMessageId(seed), one shared networkMessageId)
/// lands as K copies spread evenly over the mailboxes; an alert with mailClusterEvidence points at it.
/// </summary>
public static class TenantGenerator
{
    public const string ClusterSender = "billing@contoso-invoices.example";
    public const string ClusterSubject = "Action required: overdue invoice";
    public const string ClusterUrl = "contoso-invoices.example/pay";
    public const string ClusterAlertId = "gen-cluster-alert";

    public static string ClusterInternetMessageId(int seed) => $"<cluster-{seed}@contoso-invoices.example>";

    static readonly string[] Senders =
    [
        "news@fabrikam.example", "it-helpdesk@contoso.example", "hr@contoso.example", "noreply@tailspin.example",
        "sales@northwind.example", "alerts@adatum.example", "team@wingtip.example", "updates@litware.example",
    ];

    static readonly string[] Subjects =
    [
        "Weekly report", "Lunch on Friday?", "Quarterly numbers", "Your subscription", "Meeting notes",
        "Project status", "Travel itinerary", "Welcome aboard", "Invoice attached", "Password expiry notice",
    ];

    public static void Apply(TenantState state, GeneratorSpec spec, int seed, TimeProvider clock)
    {
        if (spec.Mailboxes <= 0) return;
        var rng = new Random(seed);
        var domain = state.Domains.FirstOrDefault(d => d.IsDefault)?.Id ?? state.InitialDomain;
        var now = clock.GetUtcNow();
        var first = state.Mailboxes.Count;
        for (var i = 0; i < spec.Mailboxes; i++)
        {
            var upn = string.Create(CultureInfo.InvariantCulture, $"gen{i:D5}@{domain}");
            var user = new SimUser
            {
                Id = NewGuid(rng),
                UserPrincipalName = upn,
                DisplayName = string.Create(CultureInfo.InvariantCulture, $"Generated User {i:D5}"),
                Mail = upn,
            };
            state.AddUser(user);
            var mbx = new Mailbox { Index = state.Mailboxes.Count, Owner = user };
            user.Mailbox = mbx;
            state.Mailboxes.Add(mbx);
            for (var j = 0; j < spec.MessagesPerMailbox; j++)
            {
                var received = now.AddMinutes(-rng.Next(1, 60 * 24 * 30)).UtcTicks;
                mbx.Messages.Add(new SimMessage
                {
                    Seq = j,
                    FolderIndex = rng.Next(10) == 0 ? WellKnownFolders.Archive : WellKnownFolders.Inbox,
                    InternetMessageId = string.Create(CultureInfo.InvariantCulture, $"<gen.{seed}.{i}.{j}@mail.example.net>"),
                    NetworkMessageId = NewGuid(rng),
                    Subject = Subjects[rng.Next(Subjects.Length)],
                    FromAddress = Senders[rng.Next(Senders.Length)],
                    ReceivedTicks = received,
                    LastModifiedTicks = received,
                    HasAttachments = rng.Next(5) == 0,
                });
            }
        }

        if (spec.ClusterSize <= 0) return;
        var clusterNetworkId = NewGuid(rng);
        var clusterReceived = now.AddHours(-1).UtcTicks;
        var networkIds = new JsonArray(clusterNetworkId);
        for (var k = 0; k < spec.ClusterSize; k++)
        {
            var mbx = state.Mailboxes[first + (int)((long)k * spec.Mailboxes / spec.ClusterSize)];
            // More copies than mailboxes: the extra copies of one mailbox sit in Junk Email, as a re-delivery would.
            var inJunk = mbx.Messages.Any(m => m.NetworkMessageId == clusterNetworkId);
            mbx.Messages.Add(new SimMessage
            {
                Seq = mbx.Messages.Count,
                FolderIndex = inJunk ? WellKnownFolders.JunkEmail : WellKnownFolders.Inbox,
                InternetMessageId = ClusterInternetMessageId(seed),
                NetworkMessageId = clusterNetworkId,
                Subject = ClusterSubject,
                FromAddress = ClusterSender,
                FromName = "Contoso Billing",
                ReceivedTicks = clusterReceived,
                LastModifiedTicks = clusterReceived,
                HasAttachments = false,
                Urls = ["https://" + ClusterUrl],
            });
        }

        var alert = new JsonObject
        {
            ["id"] = ClusterAlertId,
            ["title"] = "Email messages containing malicious URL removed after delivery",
            ["severity"] = "high",
            ["investigationState"] = "pendingApproval",
            ["createdDateTime"] = now.ToString("o", CultureInfo.InvariantCulture),
            ["evidence"] = new JsonArray(
                new JsonObject
                {
                    ["@odata.type"] = "mailClusterEvidence",
                    ["clusterBy"] = "Subject;SenderDomain",
                    ["clusterByValue"] = ClusterSubject + ";contoso-invoices.example",
                    ["emailCount"] = (long)spec.ClusterSize,
                    ["networkMessageIds"] = networkIds,
                    ["query"] = $"(Subject:\"{ClusterSubject}\") AND (SenderDomain:\"contoso-invoices.example\")",
                    ["urn"] = "urn:MailCluster:" + clusterNetworkId,
                    ["verdict"] = "malicious",
                    ["remediationStatus"] = "pendingApproval",
                    ["roles"] = new JsonArray(),
                },
                new JsonObject
                {
                    ["@odata.type"] = "urlEvidence",
                    ["url"] = "https://" + ClusterUrl,
                    ["verdict"] = "malicious",
                    ["remediationStatus"] = "pendingApproval",
                }),
        };
        state.Alerts.Add(AlertNormalizer.Normalize(alert, state.TenantId, clock));
    }

    static string NewGuid(Random rng)
    {
        Span<byte> b = stackalloc byte[16];
        rng.NextBytes(b);
        b[7] = (byte)((b[7] & 0x0F) | 0x40);
        return new Guid(b).ToString();
    }
}
