using AirRemediation.Engine;
using Xunit;

namespace AirRemediation.Engine.Tests;

public class SmokeTests
{
    [Fact]
    public void EngineVersionComesFromTheBuild() => Assert.Matches(@"^\d+\.\d+\.\d+$", EngineInfo.Version);
}
