using System.Text.Json.Nodes;
using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.Tests;

public sealed class LimitTests
{
    [Fact]
    public async Task Eight_concurrent_requests_to_one_mailbox_serve_four_and_throttle_the_rest_other_mailboxes_unaffected()
    {
        await using var s = await TestTenant.StartAsync(o => o.LatencyMs = 1500);
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        // Warm the connection pool so all requests arrive together.
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => c.GetAsync(s.Http + "_simulator/stats")));
        s.ResetStats();

        var adele = Enumerable.Range(0, 8).Select(_ => TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users/adele@contoso.com/messages?$select=subject")).ToList();
        var lynne = Enumerable.Range(0, 2).Select(_ => TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users/lynne@contoso.com/messages?$select=subject")).ToList();
        var results = await Task.WhenAll(adele);
        Assert.Equal(4, results.Count(r => r.Status == 200));
        var throttled = results.Where(r => r.Status == 429).ToList();
        Assert.Equal(4, throttled.Count);
        foreach (var t in throttled)
        {
            Assert.True(t.Raw.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Equal("ApplicationThrottled", (string?)t.Body!["error"]!["code"]);
            Assert.Equal("Application is over its MailboxConcurrency limit.", (string?)t.Body["error"]!["message"]);
        }
        Assert.All(await Task.WhenAll(lynne), r => Assert.Equal(200, r.Status));

        var stats = await TestTenant.SimulatorJsonAsync(s, "stats");
        Assert.Equal(4, (int)stats["mailboxes"]!["adele@contoso.com"]!["maxConcurrency"]!);
        Assert.Equal(4, (int)stats["mailboxes"]!["adele@contoso.com"]!["throttled"]!);
        Assert.Equal(0, (int)stats["mailboxes"]!["lynne@contoso.com"]!["throttled"]!);
    }

    [Fact]
    public async Task The_request_window_throttles_until_it_frees_and_counts_early_retries()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestTenant.StartAsync(o => { o.Clock = clock; o.Limits = new LimitSettings { MailboxRequestsPerWindow = 5, MailboxWindowSeconds = 2 }; });
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var url = s.Graph + "/users/adele@contoso.com/messages?$top=1";
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, url)).Status);
        var (status, body, raw) = await TestTenant.SendAsync(c, HttpMethod.Get, url);
        Assert.Equal(429, status);
        Assert.Equal("ApplicationThrottled", (string?)body!["error"]!["code"]);
        var wait = raw.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(wait.TotalSeconds, 1, 2);
        // Retrying at once is early (and counts against the window, as Graph says usage does).
        Assert.Equal(429, (await TestTenant.SendAsync(c, HttpMethod.Get, url)).Status);
        var (_, _, raw2) = await TestTenant.SendAsync(c, HttpMethod.Get, url);
        clock.Advance(raw2.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromMilliseconds(100));
        Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, url)).Status);

        var stats = await TestTenant.SimulatorJsonAsync(s, "stats");
        Assert.True((int)stats["mailboxes"]!["adele@contoso.com"]!["earlyRetries"]! >= 2);
        // Another app has its own window for the same mailbox.
        using var other = TestTenant.Client(s, await TestTenant.AppTokenAsync(s, clientId: TestTenant.ReaderClientId, secret: TestTenant.ReaderSecret));
        Assert.Equal(200, (await TestTenant.SendAsync(other, HttpMethod.Get, url)).Status);
    }

    [Fact]
    public async Task Security_routes_allow_150_per_minute_per_app()
    {
        await using var s = await TestTenant.StartAsync(o => o.Limits = new LimitSettings { SecurityRequestsPerMinute = 3 });
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        for (var i = 0; i < 3; i++) Assert.Equal(200, (await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/security/alerts_v2")).Status);
        var (status, _, raw) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/security/alerts_v2");
        Assert.Equal(429, status);
        Assert.True(raw.Headers.RetryAfter!.Delta > TimeSpan.FromSeconds(50));
        Assert.Equal(150, new LimitSettings().SecurityRequestsPerMinute);
    }
}
