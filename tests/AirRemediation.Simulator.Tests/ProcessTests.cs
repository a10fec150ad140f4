using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AirRemediation.Simulator.Tests;

[Collection("process-environment")]
public sealed class ProcessTests
{
    [Fact]
    public async Task Started_as_a_process_it_prints_one_ready_line_and_exits_cleanly_on_SIGTERM()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AirRemediation.Simulator.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "--scenario", TestTenant.ScenarioPath, "--port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using var p = Process.Start(psi)!;
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var ready = JsonNode.Parse(line!)!;
        Assert.True((bool)ready["ready"]!);
        Assert.Equal(p.Id, (int)ready["pid"]!);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", (string?)ready["http"]);
        Assert.Matches(@"^https://127\.0\.0\.1:\d+$", (string?)ready["https"]);
        Assert.Equal((string?)ready["https"] + "/", (string?)ready["authority"]);
        Assert.Equal((string?)ready["http"] + "/v1.0", (string?)ready["graph"]);
        Assert.Equal((string?)ready["http"] + "/msi/token", (string?)ready["managedIdentityEndpoint"]);
        Assert.Equal(TestTenant.TenantId, (string?)ready["tenantId"]);
        Assert.Matches("^[0-9A-F]{40}$", (string?)ready["certificateThumbprint"]);

        // Closing stdin must not stop it: it still answers afterwards (two round trips, no sleep).
        p.StandardInput.Close();
        using (var c = new HttpClient())
        {
            for (var i = 0; i < 2; i++)
            {
                var stats = await c.GetStringAsync((string)ready["http"]! + "/_simulator/stats");
                Assert.Contains("totals", stats);
            }
        }
        Assert.False(p.HasExited);

        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("", await p.StandardOutput.ReadToEndAsync());
    }
}
