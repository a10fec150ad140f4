using System.Management.Automation;
using System.Runtime.InteropServices;
using AirRemediation.Engine;
using AirRemediation.Engine.Approvals;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// The worker: signed in as the store policy's executor app, runs the approved actions of the queue after verifying each
/// approval again with Microsoft Graph. Once (a scheduled job) or -Continuous (a service; stops on Ctrl+C or SIGTERM).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "AirApprovedAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Once")]
[OutputType(typeof(AirWorkerResult))]
public sealed class InvokeAirApprovedActionCommand : AirCmdlet
{
    /// <summary>Keep polling the queue until stopped (Ctrl+C, SIGTERM).</summary>
    [Parameter(ParameterSetName = "Continuous", Mandatory = true)]
    public SwitchParameter Continuous { get; set; }

    /// <summary>Time between passes in -Continuous mode (default 30 seconds).</summary>
    [Parameter(ParameterSetName = "Continuous")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var worker = new ApprovedActionWorker(session);
        await worker.EnsureExecutorAsync(ct).ConfigureAwait(false);
        if (!Confirm(session.StoreLocation, Continuous ? "Run approved actions until stopped" : "Run the approved actions of the queue")) return;
        var sink = RunSinks.For(this, Emit, EmitError, Progress);
        int ran = 0, refused = 0, skipped = 0, failed = 0;
        void OnResult(WorkerResult r)
        {
            switch (r.Outcome)
            {
                case WorkerOutcome.Ran: ran++; break;
                case WorkerOutcome.Refused: refused++; break;
                case WorkerOutcome.Skipped: skipped++; break;
                default:
                    failed++;
                    EmitError(new AirException(AirErrorKind.ServiceError, $"Action {r.ActionId} ({r.Kind}) failed in the worker: {r.Reason}", r.ActionId), r.ActionId);
                    break;
            }
            Emit(ResultMapper.ToOutput(r));
        }

        if (!Continuous)
        {
            await worker.RunOnceAsync(sink, OnResult, ct).ConfigureAwait(false);
        }
        else
        {
            // SIGTERM (docker stop, systemd, App Service) stops like Ctrl+C: the running action is Cancelled, resumable.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                stop.Cancel();
            });
            await worker.RunContinuousAsync(PollInterval, sink, OnResult, pass => Post(() => WriteVerbose($"Worker pass {pass} done.")), stop.Token).ConfigureAwait(false);
        }
        var line = $"Worker summary: {ran} ran, {refused} refused, {skipped} skipped (held by another worker), {failed} failed.";
        // Shown like Write-Host, so a job log carries it without -InformationAction.
        Post(() => WriteInformation(new HostInformationMessage { Message = line }, ["PSHOST"]));
    }
}
