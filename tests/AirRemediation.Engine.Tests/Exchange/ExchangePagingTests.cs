using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator;
using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Xunit;

namespace AirRemediation.Engine.Tests.Exchange;

/// <summary>
/// Long listings through InvokeCommand's @odata.nextLink. Live, a link Exchange no longer honours is answered 400
/// "Expired or Invalid pagination request. Default Expiry time is 00:30:00" (graph2otel; docs/SIMULATOR.md, open
/// question 19), and a P2 tenant may hold 10,000 URL block entries. The simulator honours a link once, within its
/// lifetime on the simulator's clock; the client starts a read-only listing over once when a later page is refused,
/// keeps each Identity once, and otherwise fails naming the cmdlet. Time moves only on the test clock.
/// </summary>
public sealed class ExchangePagingTests
{
    private const string Tabl = "Get-TenantAllowBlockListItems";

    private static Dictionary<string, object?> P(params (string Name, object? Value)[] ps) => ps.ToDictionary(p => p.Name, p => p.Value);

    private static readonly Dictionary<string, object?> UrlBlocks = P(("ListType", "Url"), ("Block", true));

    /// <summary>Puts <paramref name="count"/> URL block entries straight into the tenant (as a full P2 list would hold them).</summary>
    private static List<string> AddBlocks(SimulatorServer s, int count, DateTimeOffset now)
    {
        var values = new List<string>(count);
        lock (s.State.TablGate)
        {
            for (var i = 0; i < count; i++)
            {
                var value = $"block{i:D5}.paging.example";
                values.Add(value);
                s.State.TablEntries.Add(new TablEntry
                {
                    Identity = ScenarioLoader.TablIdentity(500_000 + i),
                    ListType = "Url",
                    Value = value,
                    Action = "Block",
                    ExpirationDate = null,
                    CreatedDateTime = now,
                    LastModifiedDateTime = now,
                });
            }
        }
        return values;
    }

    /// <summary>The block entries Get-TenantAllowBlockListItems lists at <paramref name="now"/> (expired ones are gone).</summary>
    private static int ListedBlocks(SimulatorServer s, DateTimeOffset now)
    {
        lock (s.State.TablGate) return s.State.TablEntries.Count(e => e.ListType == "Url" && e.Action == "Block" && (e.ExpirationDate is null || e.ExpirationDate > now));
    }

    /// <summary>The simulator and the session on one fake clock; every request is held 10 ms so a test can act between pages.</summary>
    private static async Task<(SimulatorServer Sim, AirSession Session, ServiceCaller Caller)> StartAsync(TestClock clock, LimitSettings limits)
    {
        var s = await SimulatedTenant.StartAsync(o =>
        {
            o.Clock = clock;
            o.Limits = limits;
        });
        var session = await clock.DriveAsync(SimulatedTenant.ConnectAsync(s, clock: clock));
        var caller = SimulatedTenant.Caller(session, FaultTenant.Unpaced(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) }));
        return (s, session, caller);
    }

    [Fact]
    public async Task A_full_P2_block_list_of_10000_entries_is_listed_completely_each_entry_once()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var caller = SimulatedTenant.Caller(session);
        var added = AddBlocks(s, 10_000 - ListedBlocks(s, session.Clock.GetUtcNow()), session.Clock.GetUtcNow());
        var client = new ExchangeAdminClient(session, caller);
        var served = Interlocked.Read(ref s.Stats.TotalRequests);

        var all = await client.InvokeAsync(Tabl, UrlBlocks, null, default);

        Assert.Equal(10_000, all.Values.Count);
        Assert.Equal(10_000, all.Values.Select(v => (string?)v["Identity"]).Distinct().Count());
        var values = all.Values.Select(v => (string?)v["Value"]).ToHashSet();
        Assert.All(added, v => Assert.Contains(v, values));
        // Ten pages of 1,000, each link followed once and in time.
        Assert.Equal(10, Interlocked.Read(ref s.Stats.TotalRequests) - served);
        Assert.Equal(0, Interlocked.Read(ref s.Stats.ExchangePagingRefused));
    }

    [Fact]
    public async Task A_nextLink_that_expires_mid_listing_restarts_the_listing_and_returns_every_entry_once()
    {
        var clock = new TestClock();
        var (sim, session, caller) = await StartAsync(clock, new LimitSettings { LatencyMs = 10 });
        await using var s = sim;
        using var _ = session;
        AddBlocks(s, 2_500, clock.GetUtcNow());
        var expected = ListedBlocks(s, clock.GetUtcNow());
        var listing = await ListUntilSecondPageAsync(clock, new ExchangeAdminClient(session, caller));
        // Half an hour and a second pass while the second page is on its way: its link has expired when Exchange reads it.
        clock.Advance(TimeSpan.FromSeconds(1801));
        var all = await clock.DriveAsync(listing);

        Assert.Equal(expected, all.Values.Count);
        Assert.Equal(expected, all.Values.Select(v => (string?)v["Identity"]).Distinct().Count());
        Assert.Equal(1, Interlocked.Read(ref s.Stats.ExchangePagingRefused));
        // Two pages of the first attempt (the second refused), then all three pages again.
        Assert.Equal(5, caller.Totals.Requests);
    }

    [Fact]
    public async Task A_listing_whose_links_keep_expiring_fails_once_restarted_naming_the_cmdlet()
    {
        var clock = new TestClock();
        // Every link outlives its 5 ms by the 10 ms the next request takes.
        var (sim, session, caller) = await StartAsync(clock, new LimitSettings { LatencyMs = 10, ExchangeNextLinkLifetimeSeconds = 0.005 });
        await using var s = sim;
        using var _ = session;
        AddBlocks(s, 1_500, clock.GetUtcNow());
        var client = new ExchangeAdminClient(session, caller);

        var e = await Assert.ThrowsAsync<ServiceCallException>(() => clock.DriveAsync(client.InvokeAsync(Tabl, UrlBlocks, null, default)));

        Assert.Contains(Tabl, e.Message, StringComparison.Ordinal);
        Assert.Contains("expired", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("started over", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("skiptoken", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("airsim-page", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
        Assert.Equal(AirErrorKind.ServiceError, e.ToErrorKind());
        // Once restarted, not more: two attempts of two requests each.
        Assert.Equal(2, Interlocked.Read(ref s.Stats.ExchangePagingRefused));
        Assert.Equal(4, caller.Totals.Requests);

        // What Get-AirUrlBlock shows for it.
        var shown = await Assert.ThrowsAsync<AirException>(() => clock.DriveAsync(UrlBlockList.ListAsync(session, default)));
        Assert.Contains(Tabl, shown.Message, StringComparison.Ordinal);
        Assert.StartsWith("The Tenant Allow/Block List could not be read", shown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cmdlet_that_changes_something_is_never_run_again_when_its_next_page_is_refused()
    {
        var clock = new TestClock();
        var (sim, session, caller) = await StartAsync(clock, new LimitSettings { LatencyMs = 10, ExchangeNextLinkLifetimeSeconds = 0.005 });
        await using var s = sim;
        using var _ = session;
        AddBlocks(s, 3, clock.GetUtcNow());
        List<string> ids;
        lock (s.State.TablGate) ids = [.. s.State.TablEntries.Where(e => e.Value.EndsWith(".paging.example", StringComparison.Ordinal)).Select(e => e.Identity)];
        // One object a page: Set-TenantAllowBlockListItems answers with the three entries it changed.
        var client = new ExchangeAdminClient(session, caller) { PageSize = 1 };

        var e = await Assert.ThrowsAsync<ServiceCallException>(() => clock.DriveAsync(client.InvokeAsync("Set-TenantAllowBlockListItems",
            P(("ListType", "Url"), ("Ids", ids), ("Notes", "paging")), null, default)));

        Assert.Contains("Set-TenantAllowBlockListItems", e.Message, StringComparison.Ordinal);
        Assert.Contains("not run again", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, caller.Totals.Requests);
        Assert.Equal(1, Interlocked.Read(ref s.Stats.ExchangePagingRefused));
    }

    [Fact]
    public async Task An_entry_seen_again_on_a_later_page_is_kept_once()
    {
        var clock = new TestClock();
        var (sim, session, caller) = await StartAsync(clock, new LimitSettings { LatencyMs = 10 });
        await using var s = sim;
        using var _ = session;
        AddBlocks(s, 1_500, clock.GetUtcNow());
        var expected = ListedBlocks(s, clock.GetUtcNow());
        var listing = await ListUntilSecondPageAsync(clock, new ExchangeAdminClient(session, caller));
        // The list changes while the second page is on its way: an entry added before the cursor pushes the last entry
        // of the first page onto the second one.
        lock (s.State.TablGate)
        {
            s.State.TablEntries.Insert(0, new TablEntry
            {
                Identity = ScenarioLoader.TablIdentity(900_000), ListType = "Url", Value = "late.paging.example", Action = "Block",
                CreatedDateTime = clock.GetUtcNow(), LastModifiedDateTime = clock.GetUtcNow(),
            });
        }
        var all = await clock.DriveAsync(listing);

        Assert.Equal(all.Values.Count, all.Values.Select(v => (string?)v["Identity"]).Distinct().Count());
        Assert.Equal(expected, all.Values.Count);
        Assert.Equal(2, caller.Totals.Requests);
    }

    /// <summary>Starts listing the URL blocks and returns once the first page is answered and the second request is on
    /// its way (held by the simulated latency until the clock moves).</summary>
    private static async Task<Task<ExchangeResult>> ListUntilSecondPageAsync(TestClock clock, ExchangeAdminClient client)
    {
        var from = clock.Waits.Count;
        var listing = client.InvokeAsync(Tabl, UrlBlocks, null, default);
        var firstPage = await clock.NextWaitOfAsync<ApiPipeline>(from);
        clock.AdvancePast(firstPage);
        await clock.NextWaitOfAsync<ApiPipeline>(firstPage.Index + 1);
        return listing;
    }
}
