using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Forgets the current sign-in: credentials, cached tokens and the connection's HTTP state.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "AirService")]
[OutputType(typeof(void))]
public sealed class DisconnectAirServiceCommand : AirCmdlet
{
    protected override Task EndAsync(CancellationToken ct)
    {
        var wasConnected = AirContext.Session is not null;
        AirContext.Replace(null);
        if (!wasConnected) Post(() => WriteVerbose("There was no AirRemediation connection to close."));
        return Task.CompletedTask;
    }
}
