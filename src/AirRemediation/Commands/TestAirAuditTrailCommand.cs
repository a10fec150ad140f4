using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Verifies the audit trail's hash chain, every action's content and undo data against the pins in its trail, and (with
/// -ExpectedHead) that a head kept outside the store is still in it; names the first broken entry.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "AirAuditTrail")]
[OutputType(typeof(AirAuditVerification))]
public sealed class TestAirAuditTrailCommand : AirCmdlet
{
    /// <summary>A head (<c>entry:hash</c>) taken earlier from this cmdlet's Head, or from an alert comment.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ExpectedHead { get; set; }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var v = await store.VerifyAuditTrailAsync(ExpectedHead, ct).ConfigureAwait(false);
        if (!v.IsValid) Post(() => WriteWarning($"The audit trail of {store.Location} is broken: {v.Message}"));
        Emit(ActionMapper.ToOutput(v, store.Location));
    }
}
