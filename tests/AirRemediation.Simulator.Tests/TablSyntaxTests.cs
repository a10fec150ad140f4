using AirRemediation.Simulator.Exchange;

namespace AirRemediation.Simulator.Tests;

/// <summary>Documented valid URL entries the simulator must accept (defender-docs tenant-allow-block-list-urls-configure.md, "URL entry scenarios").</summary>
public sealed class TablSyntaxTests
{
    [Theory]
    [InlineData("1.2.3.4/*")]
    [InlineData("*.com/*")]
    [InlineData("contoso.com/a/*")]
    [InlineData("~contoso.com~")]
    public void Documented_scenarios_are_valid_blocks(string entry) => Assert.Null(TablUrlValidator.Validate(entry, block: true));

    [Theory]
    [InlineData("*.com")]
    [InlineData("1.2.3.4*")]
    [InlineData("*1.2.3.4")]
    [InlineData("1.2.3.4/a*")]
    public void Documented_invalid_entries_stay_invalid(string entry) => Assert.NotNull(TablUrlValidator.Validate(entry, block: true));
}
