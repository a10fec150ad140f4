using System.Management.Automation;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Shows the current sign-in: tenant, identity, method, endpoints, granted permissions and token expiry.</summary>
[Cmdlet(VerbsCommon.Get, "AirConnection")]
[OutputType(typeof(AirConnection))]
public sealed class GetAirConnectionCommand : AirCmdlet
{
    protected override Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        Emit(ConnectionMapper.ToOutput(session));
        return Task.CompletedTask;
    }
}
