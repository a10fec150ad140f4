using System.Management.Automation;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Verifies the audit trail's hash chain and names the first broken entry.</summary>
[Cmdlet(VerbsDiagnostic.Test, "AirAuditTrail")]
[OutputType(typeof(AirAuditVerification))]
public sealed class TestAirAuditTrailCommand : AirCmdlet
{
    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var v = await store.VerifyAuditTrailAsync(ct).ConfigureAwait(false);
        if (!v.IsValid) Post(() => WriteWarning($"The audit trail of {store.Location} is broken: {v.Message}"));
        Emit(ActionMapper.ToOutput(v, store.Location));
    }
}
