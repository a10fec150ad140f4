using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Execution;

/// <summary>Issue 10, item 9: a run whose journal cannot be written is refused with a specific error before anything changes.</summary>
[Trait("Category", "Fault")]
public sealed class UnusableStoreTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_corrupt_store_file_refuses_the_run_with_a_specific_error_before_any_message_moves()
    {
        await using var t = await FaultTenant.StartAsync(2, 1, 2);
        var path = Path.Combine(Path.GetTempPath(), "air-fault-corrupt-" + Guid.NewGuid().ToString("n") + ".db");
        await File.WriteAllBytesAsync(path, [.. System.Text.Encoding.ASCII.GetBytes("SQLite format 3\0"), .. Enumerable.Repeat((byte)0x5A, 8192)]);
        try
        {
            var session = await t.ConnectAsync(storePath: path);
            t.Sim.ResetStats();   // connecting asks Graph to verify the sign-in; the run must ask nothing
            var e = await Assert.ThrowsAsync<AirException>(() => FaultTenant.RunAsync(session, FaultTenant.Cluster()));
            output.WriteLine(e.Message);
            Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
            Assert.Contains("is damaged or is not an AirRemediation action store", e.Message, StringComparison.Ordinal);
            Assert.All(t.ClusterCopies(), c => Assert.Equal(0, c.TimesMoved));
            Assert.Equal(0, Interlocked.Read(ref t.Sim.Stats.TotalRequests));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_store_locked_by_another_process_refuses_the_run_with_a_specific_error_before_any_message_moves()
    {
        await using var t = await FaultTenant.StartAsync(2, 1, 2);
        var path = Path.Combine(Path.GetTempPath(), "air-fault-locked-" + Guid.NewGuid().ToString("n") + ".db");
        await SqliteActionStore.Open(path).DisposeAsync();
        SqliteConnection.ClearAllPools();
        using (var holder = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            holder.Open();
            foreach (var sql in new[] { "PRAGMA locking_mode=EXCLUSIVE;", "BEGIN EXCLUSIVE;", "INSERT INTO settings VALUES ('x', 'y', 0, 'holder');" })
            {
                using var cmd = holder.CreateCommand();
                cmd.CommandText = sql;
                cmd.ExecuteNonQuery();
            }
            var session = await t.ConnectAsync(storePath: path);
            t.Sim.ResetStats();
            var e = await Assert.ThrowsAsync<AirException>(() => FaultTenant.RunAsync(session, FaultTenant.Cluster()));
            output.WriteLine(e.Message);
            Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
            Assert.Contains("is locked by another process", e.Message, StringComparison.Ordinal);
            Assert.All(t.ClusterCopies(), c => Assert.Equal(0, c.TimesMoved));
        }
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
    }
}
