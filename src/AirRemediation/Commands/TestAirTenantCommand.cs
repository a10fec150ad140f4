using AirRemediation.Engine.Doctor;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Checks every assumption the module makes about the connected tenant with the smallest read that proves it, and says
/// Pass, Fail or Skipped with the raw error code and a hint. Read-only: safe to run in production.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "AirTenant")]
[OutputType(typeof(AirTenantProbe))]
public sealed class TestAirTenantCommand : AirCmdlet
{
    /// <summary>The mailbox the mail probes read (default: the signed-in user, or the tenant's first user).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Mailbox { get; set; }

    /// <summary>A folder to write each answer's shape to (values replaced by their JSON type), for the simulator's conformance tests.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RecordTo { get; set; }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var folder = RecordTo is null ? null : GetUnresolvedProviderPathFromPSPath(RecordTo);
        var progress = new ProgressRecord(1, "Test-AirTenant", "Probing the tenant");
        var n = 0;
        var results = await TenantDoctor.RunAsync(session, Mailbox, folder, r =>
        {
            progress.StatusDescription = $"{r.Area}: {r.Name}";
            progress.CurrentOperation = $"{++n} probes done";
            Progress(progress);
            Emit(ResultMapper.ToOutput(r));
        }, ct).ConfigureAwait(false);
        progress.RecordType = ProgressRecordType.Completed;
        Progress(progress);
        var failed = results.Count(r => r.Outcome == ProbeOutcome.Fail);
        if (failed > 0) Post(() => WriteWarning($"{failed} of {results.Count} probes failed: the module would fail where they did. See Code and Hint."));
        if (folder is not null) Post(() => WriteVerbose($"Response shapes written to {folder}."));
    }
}
