using AirRemediation.Engine.Auth;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>Time is injected by tests (a TimeProvider), never taken from the environment by the product.</summary>
[Collection(TestClockCollection.Name)]
public sealed class TestClockTests
{
    [Fact]
    public async Task A_session_uses_the_clock_a_test_injects_and_the_system_clock_otherwise()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(8));
        AirSession.TestClock = later;
        try
        {
            using var shifted = await TrustTenant.ConnectAppAsync(sim);
            Assert.Same(later, shifted.Clock);
            Assert.Equal(later.GetUtcNow(), shifted.ConnectedAt);
        }
        finally
        {
            AirSession.TestClock = null;
        }
        using var normal = await TrustTenant.ConnectAppAsync(sim);
        Assert.Same(TimeProvider.System, normal.Clock);
    }

    [Fact]
    public async Task The_clock_offset_variable_of_earlier_versions_no_longer_moves_the_clock()
    {
        await using var sim = await TrustTenant.ContosoAsync();
        var saved = Environment.GetEnvironmentVariable("AIRREMEDIATION_CLOCK_OFFSET");
        Environment.SetEnvironmentVariable("AIRREMEDIATION_CLOCK_OFFSET", "8.00:00:00");
        try
        {
            using var s = await TrustTenant.ConnectAppAsync(sim);
            Assert.Same(TimeProvider.System, s.Clock);
            Assert.True(s.ConnectedAt < DateTimeOffset.UtcNow.AddDays(1));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AIRREMEDIATION_CLOCK_OFFSET", saved);
        }
    }
}

/// <summary>The tests that set the process-wide test clock or environment run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TestClockCollection
{
    public const string Name = "Process-wide test clock";
}
