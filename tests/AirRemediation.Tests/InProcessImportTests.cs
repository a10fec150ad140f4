using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace AirRemediation.Tests;

/// <summary>
/// Imports the published module into a runspace hosted in this test process (which does not reference the Engine),
/// so the Engine must come through the module's own load context, as it does in pwsh.
/// </summary>
public class InProcessImportTests
{
    private static PowerShell NewShell()
    {
        var ps = PowerShell.Create(InitialSessionState.CreateDefault2());
        ps.AddCommand("Import-Module").AddParameter("Name", PublishedModule.Manifest).Invoke();
        ps.Commands.Clear();
        return ps;
    }

    [Fact]
    public void GetAirConnectionBeforeConnectGivesTheNotConnectedError()
    {
        using var ps = NewShell();
        ps.AddCommand("Get-AirConnection");
        var ex = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        Assert.Equal("AirNotConnected,AirRemediation.Commands.GetAirConnectionCommand", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("Connect-AirService", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEngineIsLoadedIntoItsOwnContext()
    {
        using var ps = NewShell();
        ps.AddScript("try { Get-AirConnection -ErrorAction Stop } catch { }").Invoke();
        var engine = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "AirRemediation.Engine");
        Assert.Equal("AirRemediation.Engine", System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(engine)?.Name);
    }

    [Fact]
    public void ConnectWithAnUnreachableAuthorityNamesTheProblemWithoutAStackTrace()
    {
        using var ps = NewShell();
        ps.AddScript("Connect-AirService -TenantId contoso.example -ClientId 11111111-1111-1111-1111-111111111111 " +
                     "-ClientSecret (ConvertTo-SecureString 'not-a-real-secret-123' -AsPlainText) " +
                     "-AuthorityHost https://127.0.0.1:9/ -GraphEndpoint http://127.0.0.1:9/v1.0 -ExchangeEndpoint http://127.0.0.1:9/");
        ps.Invoke();
        var error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("AirEndpointUnreachable", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("could not be reached", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-secret-123", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error.Exception.Message, StringComparison.Ordinal);
        Assert.Null(error.Exception.InnerException);
    }
}
