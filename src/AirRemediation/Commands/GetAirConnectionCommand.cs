using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Shows the current sign-in: the identity and tenant Microsoft Graph verified (object id), method, endpoints,
/// granted permissions, directory roles and token expiry.</summary>
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
