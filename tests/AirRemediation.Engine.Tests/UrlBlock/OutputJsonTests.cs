using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.UnblockUrl;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Engine.Tests.Harness;
using Xunit;

namespace AirRemediation.Engine.Tests.UrlBlock;

/// <summary>
/// New-TenantAllowBlockListItems -OutputJson answers all entries as one JSON value (one string over REST), not one
/// object per entry. Whatever the add returns, each entry is confirmed with Get-TenantAllowBlockListItems -Entry and its
/// Identity journaled, so the outcome is right and undo can remove exactly what was added.
/// </summary>
public sealed class OutputJsonTests
{
    private static (RunSink Sink, List<UrlBlockResult> Results) Collect()
    {
        var results = new List<UrlBlockResult>();
        return (new RunSink(o => { lock (results) results.Add((UrlBlockResult)o); }, _ => { }), results);
    }

    [Fact]
    public async Task Blocks_are_confirmed_entry_by_entry_and_undo_removes_them_by_the_journaled_identity()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var urls = Enumerable.Range(1, 23).Select(i => $"outputjson{i}.example").ToList();
        var (sink, results) = Collect();

        var block = await Remediation.RunAsync(session, Remediation.Normalize(session, new UrlBlockRequest { Urls = urls }), null, sink, default);

        Assert.Equal(ActionState.Completed, block.State);
        Assert.Equal(23, block.Succeeded);
        Dictionary<string, string> ids;
        lock (s.State.TablGate) ids = s.State.TablEntries.Where(e => urls.Contains(e.Value)).ToDictionary(e => e.Value, e => e.Identity);
        Assert.Equal(23, ids.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(UrlOutcome.Blocked, r.Outcome);
            Assert.Equal(ids[r.Url], r.Id);
        });
        var store = await session.GetStoreAsync(default);
        await foreach (var item in store.GetItemsAsync(block.ActionId))
            Assert.Equal(ids[item.Target!], UrlItemData.FromJson(item.DataJson).Id);

        // One entry removed by someone else meanwhile is "already" for the undo; entries that are not ours stay.
        lock (s.State.TablGate) s.State.TablEntries.RemoveAll(e => e.Value == "outputjson1.example");
        var (undoSink, undone) = Collect();
        var undo = await Remediation.UndoAsync(session, block.ActionId, undoSink, default);
        Assert.Equal(ActionState.Completed, undo.State);
        Assert.Equal(23, undone.Count);
        lock (s.State.TablGate)
        {
            Assert.DoesNotContain(s.State.TablEntries, e => e.Value.StartsWith("outputjson", StringComparison.Ordinal));
            Assert.Contains(s.State.TablEntries, e => e.Value == "old-bad.example");
        }
    }

    [Fact]
    public async Task An_unblock_undone_re_adds_the_entry_and_journals_its_new_identity()
    {
        await using var s = await SimulatedTenant.StartAsync();
        using var session = await SimulatedTenant.ConnectAsync(s);
        var unblock = await Remediation.RunAsync(session, Remediation.Normalize(session, new UrlUnblockRequest { Urls = ["old-bad.example"] }), null, RunSink.None, default);
        Assert.Equal(1, unblock.Succeeded);

        var (sink, results) = Collect();
        var undo = await Remediation.UndoAsync(session, unblock.ActionId, sink, default);

        Assert.Equal(ActionState.Completed, undo.State);
        string id;
        lock (s.State.TablGate) id = Assert.Single(s.State.TablEntries, e => e.Value == "old-bad.example").Identity;
        var r = Assert.Single(results);
        Assert.Equal(UrlOutcome.Restored, r.Outcome);
        Assert.Equal(id, r.Id);
    }
}
