using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>What only the Table backend needs to show: separate clients (as separate machines) sharing one queue,
/// and errors that name the endpoint but never the key or SAS.</summary>
[Trait("Category", "Tables")]
[Collection(StoreCollection.Name)]
public sealed class TableActionStoreTests : IAsyncLifetime
{
    private static readonly AuditContext Alice = new("alice@contoso.com", ActorKind.User, "DeviceCode tenant=contoso");
    private static readonly AuditContext Bob = new("bob@contoso.com", ActorKind.User, "DeviceCode tenant=contoso");
    private readonly string _prefix = Azurite.NewPrefix();
    private readonly ManualClock _clock = new();
    private TableActionStore _a = null!;
    private TableActionStore _b = null!;

    public Task InitializeAsync()
    {
        _a = Azurite.Open(_clock, _prefix);
        _b = Azurite.Open(_clock, _prefix); // its own TableServiceClient: a second machine on the same queue
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.QueueTable.DeleteAsync();
        await _a.ItemsTable.DeleteAsync();
    }

    [Fact]
    public async Task TwoClientsRacingToApproveTheSameActionsApproveEachExactlyOnceOnOneChain()
    {
        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            ids.Add((await _a.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl, ParametersJson = $$"""{"url":"https://evil{{i}}.example/"}""" }, Alice)).Action.Id);
        }
        async Task<List<TransitionResult>> Race(IActionStore s, IEnumerable<string> order)
        {
            var r = new List<TransitionResult>();
            foreach (var id in order)
            {
                r.Add(await s.TryTransitionAsync(id, [ActionState.Pending], ActionState.Approved, Bob));
            }
            return r;
        }
        var results = await Task.WhenAll(Task.Run(() => Race(_a, ids)), Task.Run(() => Race(_b, ids)), Task.Run(() => Race(_b, Enumerable.Reverse(ids))));
        var all = results.SelectMany(r => r).ToList();
        foreach (var id in ids)
        {
            Assert.Single(all, r => r.ActionId == id && r.Succeeded);
            Assert.All(all.Where(r => r.ActionId == id && !r.Succeeded), r => Assert.Equal(TransitionOutcome.StateMismatch, r.Outcome));
        }
        var v = await _b.VerifyAuditTrailAsync();
        Assert.True(v.IsValid, v.Message);
        Assert.Equal(40, v.Count);
    }

    [Fact]
    public async Task AppendsFromTwoClientsAtOnceNeverForkTheChain()
    {
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() =>
            (i % 2 == 0 ? _a : _b).AppendAuditAsync(new AuditEntry(null, "Note", Alice with { Reason = "note " + i })))));
        var v = await _a.VerifyAuditTrailAsync();
        Assert.True(v.IsValid, v.Message);
        Assert.Equal(60, v.Count);
        var seqs = new List<long>();
        await foreach (var r in _b.GetAuditAsync())
        {
            seqs.Add(r.Seq);
        }
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task ItemsAddedByTwoClientsAtOnceGetDistinctSeqsAndOneEntryPerKey()
    {
        var a = (await _a.CreateActionAsync(new NewAction { Kind = ActionKind.SoftDeleteCluster }, Alice)).Action;
        var keys = Enumerable.Range(0, 150).Select(i => $"mbx{i % 7}|<{i}@x>").ToList();
        var r = await Task.WhenAll(Task.Run(() => _a.AddItemsAsync(a.Id, keys.Select(k => new NewItem(k)))),
            Task.Run(() => _b.AddItemsAsync(a.Id, Enumerable.Reverse(keys).Select(k => new NewItem(k)))));
        Assert.Equal(150, (await _a.GetItemCountsAsync(a.Id)).Total);
        var fromA = r[0].ToDictionary(i => i.Key, i => i.Seq);
        Assert.All(r[1], i => Assert.Equal(fromA[i.Key], i.Seq));
        Assert.Equal(150, fromA.Values.Distinct().Count());
    }

    [Fact]
    public async Task AnUnreachableStoreNamesTheEndpointButNeverTheKey()
    {
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        var ex = await Assert.ThrowsAsync<AirException>(() => TableActionStore.OpenAsync(new TableStoreOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};TableEndpoint=http://127.0.0.1:1/devstoreaccount1;",
            MaxRetries = 0,
        }));
        Assert.Equal(AirErrorKind.StoreUnavailable, ex.Kind);
        Assert.Equal("http://127.0.0.1:1/devstoreaccount1", ex.Target);
        Assert.Contains("http://127.0.0.1:1/devstoreaccount1", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Eby8", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongKeyIsRefusedWithTheRoleToGrantAndABadConnectionStringIsNotEchoed()
    {
        string wrong = Azurite.ConnectionString.Replace("AccountKey=Eby8", "AccountKey=Xby8", StringComparison.Ordinal);
        var ex = await Assert.ThrowsAsync<AirException>(() => TableActionStore.OpenAsync(new TableStoreOptions { ConnectionString = wrong, MaxRetries = 0 }));
        Assert.Equal(AirErrorKind.StoreUnavailable, ex.Kind);
        Assert.Equal(403, ex.HttpStatus);
        Assert.Contains("Storage Table Data Contributor", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Xby8", ex.Message, StringComparison.Ordinal);

        var bad = await Assert.ThrowsAsync<AirException>(() => TableActionStore.OpenAsync(new TableStoreOptions { ConnectionString = "AccountKey=hunter2hunter2;nonsense" }));
        Assert.Equal(AirErrorKind.InvalidInput, bad.Kind);
        Assert.DoesNotContain("hunter2", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLocationOfASasUrlLeavesTheSignatureOut()
    {
        Assert.Equal("https://contosoair.table.core.windows.net",
            TableActionStore.DescribeLocation(new TableStoreOptions { ConnectionString = "https://contosoair.table.core.windows.net/?sv=2020-12-06&ss=t&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789%3D" }));
        Assert.Equal("https://contosoair.table.core.windows.net",
            TableActionStore.DescribeLocation(new TableStoreOptions { Endpoint = new Uri("https://contosoair.table.core.windows.net/") }));
        Assert.Equal(_a.Location, TableActionStore.DescribeLocation(new TableStoreOptions { ConnectionString = Azurite.ConnectionString }));
        Assert.DoesNotContain("Eby8", _a.Location, StringComparison.Ordinal);
    }
}
