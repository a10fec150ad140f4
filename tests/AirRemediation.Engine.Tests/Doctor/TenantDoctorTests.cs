using AirRemediation.Engine.Doctor;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using Xunit;

namespace AirRemediation.Engine.Tests.Doctor;

/// <summary>
/// Test-AirTenant against the simulator: every probe passes (the simulator must be as strict as Microsoft, and the module
/// as correct as the doctor checks), and what -RecordTo writes holds no value of the tenant.
/// </summary>
public sealed class TenantDoctorTests
{
    private static readonly string[] AlwaysChecked =
    [
        "Graph token audience", "Graph permissions for remediation", "Exchange token audience", "Exchange admin API permission",
        "Find the mailbox to probe", "User by UPN", "User by object id",
        "Message $filter: subject eq", "Message $filter: sender address eq", "Message $filter: received since",
        "Message $filter: internetMessageId eq", "Message $filter: combined", "Soft delete target folder", "Inbox rules",
        "Missing user: error shape", "Get-AcceptedDomain", "Get-Mailbox", "Get-TenantAllowBlockListItems (URLs)",
        "Paging (@odata.nextLink)", "Missing mailbox: error shape",
    ];

    private static Task<ApprovalTenant> StartAsync() => ApprovalTenant.StartAsync(doc =>
        // Two URL entries, so the doctor's one-entry pages need a second page.
        doc.TablEntries.AddRange([new TablEntrySpec { Value = "doctor-one.example" }, new TablEntrySpec { Value = "doctor-two.example" }]));

    [Fact]
    public async Task Every_probe_passes_against_the_simulator_for_an_application()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        var seen = new List<ProbeResult>();

        var results = await TenantDoctor.RunAsync(app, null, null, seen.Add, default);

        Assert.Equal(results, seen);
        Assert.DoesNotContain(results, r => r.Outcome == ProbeOutcome.Fail);
        foreach (var name in AlwaysChecked)
            Assert.Equal(ProbeOutcome.Pass, Assert.Single(results, r => r.Name == name).Outcome);
        Assert.Equal(ProbeOutcome.Pass, Assert.Single(results, r => r.Name == "analyzedEmails with a time window").Outcome);
        Assert.Equal(ProbeOutcome.Pass, Assert.Single(results, r => r.Name == "Defender alerts (alerts_v2)").Outcome);
        Assert.Equal(404, Assert.Single(results, r => r.Name == "Missing user: error shape").Status);
    }

    [Fact]
    public async Task A_user_sign_in_skips_the_application_only_API_and_says_why()
    {
        await using var t = await StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);

        var results = await TenantDoctor.RunAsync(megan, null, null, null, default);

        var analyzed = Assert.Single(results, r => r.Name == "analyzedEmails with a time window");
        Assert.Equal(ProbeOutcome.Skipped, analyzed.Outcome);
        Assert.Contains("application permissions only", analyzed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.Outcome == ProbeOutcome.Fail);
    }

    [Fact]
    public async Task A_mailbox_that_does_not_exist_fails_the_first_probe_with_Graphs_code_and_a_hint()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();

        var results = await TenantDoctor.RunAsync(app, "nobody@contoso.com", null, null, default);

        var first = Assert.Single(results, r => r.Name == "Find the mailbox to probe");
        Assert.Equal(ProbeOutcome.Fail, first.Outcome);
        Assert.Equal(404, first.Status);
        Assert.False(string.IsNullOrEmpty(first.Code));
        Assert.Contains("-Mailbox", first.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.Name.StartsWith("Message $filter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task What_RecordTo_writes_holds_shapes_and_no_value_of_the_tenant()
    {
        await using var t = await StartAsync();
        var app = await t.AppAsync();
        using var dir = new ScratchDir();
        var folder = Path.Combine(dir.Path, "shapes");

        var results = await TenantDoctor.RunAsync(app, null, folder, null, default);

        var files = Directory.GetFiles(folder, "*.json");
        var text = string.Join("\n", files.Select(File.ReadAllText));
        // Every probe that asked the tenant something left its answer's shape (Exchange probes are named by cmdlet).
        foreach (var r in results.Where(r => r.Status is not null && r.Area == "Graph"))
            Assert.Contains($"\"probe\": \"{r.Name}\"", text, StringComparison.Ordinal);
        Assert.Contains("\"probe\": \"Get-TenantAllowBlockListItems next page\"", text, StringComparison.Ordinal);
        Assert.Contains("\"shape\"", text, StringComparison.Ordinal);
        Assert.Contains("\"string\"", text, StringComparison.Ordinal);
        var state = t.Sim.State;
        var values = new List<string> { state.TenantId, state.TenantName, state.InitialDomain };
        values.AddRange(state.Domains.Select(d => d.Id));
        values.AddRange(state.Users.SelectMany(u => new[] { u.Id, u.UserPrincipalName, u.Mail, u.DisplayName }));
        values.AddRange(state.Mailboxes.SelectMany(m => m.Messages).SelectMany(m => new[] { m.InternetMessageId, m.Subject, m.FromAddress }));
        values.AddRange(state.TablEntries.Select(e => e.Value));
        values.AddRange(t.Sim.Secrets.All);
        foreach (var v in values.Where(v => !string.IsNullOrWhiteSpace(v)).Distinct())
            Assert.False(text.Contains(v, StringComparison.OrdinalIgnoreCase), $"A recorded shape holds a value of the tenant: '{v}'.");
    }
}
