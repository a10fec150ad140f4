using System.Diagnostics;
using System.Globalization;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

// How fast the SQLite action store journals items: adds in batches, one caller awaiting each update, and 64 concurrent
// callers writing before and after each item (an executor fanned out over mailboxes). Reports rates; asserts nothing.
var dir = Path.Combine(Path.GetTempPath(), "air-store-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dir);
var who = new AuditContext("bench@contoso.com", ActorKind.User);
try
{
    await MeasureAsync(fullSync: false, n: 2_000, print: false); // warm-up: JIT and tiering would otherwise dominate the first run
    await MeasureAsync(fullSync: false, n: 10_000, print: true);
    await MeasureAsync(fullSync: true, n: 10_000, print: true);
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}

async Task MeasureAsync(bool fullSync, int n, bool print)
{
    string mode = fullSync ? "synchronous=FULL" : "synchronous=NORMAL (default)";
    void Report(string line)
    {
        if (print) Console.WriteLine($"[{mode}] {line}");
    }
    await using var s = SqliteActionStore.Open(Path.Combine(dir, $"bench-{Guid.NewGuid():N}.db"), new SqliteActionStoreOptions { FullSync = fullSync });
    var a = (await s.CreateActionAsync(new NewAction
    {
        Kind = ActionKind.SoftDeleteCluster,
        InitialState = ActionState.Running,
        Lease = new LeaseRequest("bench", TimeSpan.FromMinutes(5)),
    }, who)).Action;
    var sw = Stopwatch.StartNew();
    for (int b = 0; b < n; b += 1000)
        await s.AddItemsAsync(a.Id, Enumerable.Range(b, 1000).Select(i => new NewItem($"mbx{i % 100}@contoso.com|<{i}@evil>", $"mbx{i % 100}@contoso.com", """{"id":"AAMkAGI2"}""")));
    Report(string.Create(CultureInfo.InvariantCulture, $"added {n:N0} items in batches of 1,000: {n / sw.Elapsed.TotalSeconds:N0} items/s"));

    int seq = n / 20;
    sw.Restart();
    for (int i = 1; i <= seq; i++)
        await s.UpdateItemAsync(a.Id, new ItemUpdate(i, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = "bench" });
    Report(string.Create(CultureInfo.InvariantCulture, $"1 caller, each update awaited: {seq / sw.Elapsed.TotalSeconds:N0} updates/s"));

    const int workers = 64;
    int per = (n - seq) / workers;
    sw.Restart();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
    {
        for (int k = 0; k < per; k++)
        {
            long itemSeq = seq + 1 + (long)w * per + k;
            await s.UpdateItemAsync(a.Id, new ItemUpdate(itemSeq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = "bench" });
            await s.UpdateItemAsync(a.Id, new ItemUpdate(itemSeq, ItemState.Done) { AfterJson = """{"id":"AAMkAGI3"}""", LeaseOwner = "bench" });
        }
    })));
    double rate = 2.0 * workers * per / sw.Elapsed.TotalSeconds;
    Report(string.Create(CultureInfo.InvariantCulture, $"{workers} concurrent callers, before+after per item: {rate:N0} updates/s ({2 * workers * per:N0} updates in {sw.Elapsed.TotalSeconds:N2} s)"));
    if ((await s.GetItemCountsAsync(a.Id)).Done != workers * per) throw new InvalidOperationException("The journal lost updates.");
}
