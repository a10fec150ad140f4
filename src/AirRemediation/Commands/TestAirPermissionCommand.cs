using AirRemediation.Engine.Approvals;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>For the current sign-in: which actions it can run and approve, and what is missing, in plain words.</summary>
[Cmdlet(VerbsDiagnostic.Test, "AirPermission")]
[OutputType(typeof(AirPermission))]
public sealed class TestAirPermissionCommand : AirCmdlet
{
    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var policy = await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false);
        foreach (var c in PermissionChecker.Check(session, policy)) Emit(ActionMapper.ToOutput(c));
    }
}
