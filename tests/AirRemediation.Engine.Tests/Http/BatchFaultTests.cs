using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Tests.Harness;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Http;

/// <summary>
/// Issue 10, item 3. The module does not send $batch yet; what exists is (a) the simulator's $batch, which answers
/// each item on its own (200/201, 404, 424 for a failed dependency, 429 with its own Retry-After, 5xx), and (b) our
/// classifier, which decides what is sent again. This drives a minimal batch client built on exactly that
/// classifier and proves that only 429/5xx items are re-sent and that nothing is moved twice.
/// </summary>
[Trait("Category", "Fault")]
public sealed class BatchFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_batch_mixing_200_404_424_429_and_503_resends_only_the_throttled_and_failed_items()
    {
        // The simulator on a fake clock: waiting out a Retry-After is moving the clock by it, not sleeping.
        var clock = new TestClock();
        await using var t = await FaultTenant.StartAsync(4, 2, 8, seed: 5, configure: o => o.Clock = clock);
        var session = await t.ConnectAsync();
        var token = await session.GetTokenAsync(ServiceKind.Graph, CancellationToken.None);
        using var http = new HttpClient(t.Sim.CreateHttpHandler());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Eight moves of the cluster copies (two per mailbox), a message that does not exist, an unknown user, and a
        // request depending on the unknown user's.
        var pending = new Dictionary<string, JsonObject>();
        foreach (var m in t.Sim.State.Mailboxes.Where(m => m.Owner.UserPrincipalName.StartsWith("gen", StringComparison.Ordinal)))
        {
            lock (m.Gate)
            {
                foreach (var msg in m.Messages.Where(x => x.FromAddress == FaultTenant.ClusterSender))
                    pending[$"move-{m.Index}-{msg.Seq}"] = Move(m.Owner.UserPrincipalName, ItemIds.RestId(m.Index, msg.Seq, msg.Version));
            }
        }
        Assert.Equal(8, pending.Count);
        pending["missing-message"] = Move(FaultTenant.Mailbox(0), ItemIds.RestId(t.Sim.State.Mailboxes.First(m => m.Owner.UserPrincipalName == FaultTenant.Mailbox(0)).Index, 999, 0));
        pending["ghost"] = new JsonObject { ["id"] = "ghost", ["method"] = "GET", ["url"] = "/users/ghost@contoso.com/messages" };
        pending["after-ghost"] = new JsonObject { ["id"] = "after-ghost", ["method"] = "GET", ["url"] = $"/users/{FaultTenant.Mailbox(1)}/messages", ["dependsOn"] = new JsonArray("ghost") };

        foreach (var (key, item) in pending) item["id"] = key;
        t.Sim.ResetStats();
        t.Sim.SetFaults(new FaultSettings
        {
            ServerErrorRate = 0.35,
            Storms = [new StormSpec { Mailboxes = [FaultTenant.Mailbox(3)], RetryAfterSeconds = 1, DurationSeconds = 1.5 }],
        });

        var sent = pending.Keys.ToDictionary(k => k, _ => 0);
        var answers = pending.Keys.ToDictionary(k => k, _ => new List<int>());
        var final = new Dictionary<string, int>();
        var seen = new HashSet<int>();
        var resentAfter = new List<int>();
        for (var round = 0; round < 15 && pending.Count > 0; round++)
        {
            var envelope = new JsonObject { ["requests"] = new JsonArray([.. pending.Values.Select(v => (JsonNode)v.DeepClone())]) };
            foreach (var id in pending.Keys) sent[id]++;
            using var resp = await http.PostAsync(t.Sim.Graph + "/$batch", new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(200, (int)resp.StatusCode);
            var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
            var wait = TimeSpan.Zero;
            foreach (var r in body["responses"]!.AsArray())
            {
                var id = (string)r!["id"]!;
                var status = (int)r["status"]!;
                seen.Add(status);
                answers[id].Add(status);
                if (status < 300)
                {
                    final[id] = status;
                    pending.Remove(id);
                    continue;
                }
                // The decision a client makes with our classifier: re-send only what it would retry.
                var retryAfter = (string?)r["headers"]?["Retry-After"];
                var e = ServiceErrorClassifier.FromStatus(status, (string?)r["body"]?["error"]?["code"], "batch item", retryAfter, clock.GetUtcNow());
                if (e.Kind is FailureKind.Throttled or FailureKind.Transient)
                {
                    resentAfter.Add(status);
                    if (e.RetryAfter is { } ra && ra > wait) wait = ra;
                    continue;
                }
                final[id] = status;
                pending.Remove(id);
            }
            if (pending.Count > 0) clock.Advance(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(100));
        }

        output.WriteLine($"statuses seen: {string.Join(", ", seen.Order())}; re-sent after: {string.Join(", ", resentAfter)}; answers per item: {string.Join("; ", answers.Select(kv => $"{kv.Key}: {string.Join(" ", kv.Value)}"))}");
        Assert.Empty(pending);
        Assert.Contains(201, seen);
        Assert.Contains(404, seen);
        Assert.Contains(424, seen);
        Assert.Contains(429, seen);
        Assert.Contains(seen, s => s >= 500);
        Assert.All(resentAfter, s => Assert.True(s == 429 || s >= 500, $"a {s} item was re-sent"));
        // A permanent answer is always an item's last: nothing is sent again after a 404 or 424.
        Assert.All(answers, kv => Assert.All(kv.Value.SkipLast(1), s => Assert.True(s == 429 || s >= 500, $"{kv.Key} was re-sent after {s}")));
        Assert.Equal(404, answers["missing-message"][^1]);
        Assert.Equal(1, sent["ghost"]);
        Assert.Equal(1, sent["after-ghost"]);
        Assert.Equal(404, final["missing-message"]);
        Assert.Equal(404, final["ghost"]);
        Assert.Equal(424, final["after-ghost"]);
        Assert.All(final.Where(kv => kv.Key.StartsWith("move-", StringComparison.Ordinal)), kv => Assert.Equal(201, kv.Value));
        Assert.All(t.ClusterCopies(), c => Assert.Equal(1, c.TimesMoved));
        Assert.Equal(0, t.BystanderMoves());
    }

    private static JsonObject Move(string mailbox, string id) => new()
    {
        ["id"] = "x",
        ["method"] = "POST",
        ["url"] = $"/users/{mailbox}/messages/{id}/move",
        ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
        ["body"] = new JsonObject { ["destinationId"] = "recoverableitemsdeletions" },
    };
}
