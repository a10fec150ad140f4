using System.Diagnostics;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>Behaviour specific to the SQLite file: several store instances (as several processes), damage, locks, speed.</summary>
[Collection(StoreCollection.Name)]
public sealed class SqliteActionStoreTests : IDisposable
{
    private static readonly AuditContext Alice = new("alice@contoso.com");
    private readonly TempDir _dir = new();
    private readonly ITestOutputHelper _out;

    public SqliteActionStoreTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => _dir.Dispose();

    private static SqliteActionStoreOptions Quick => new() { BusyTimeout = TimeSpan.FromMilliseconds(300) };

    [Fact]
    public async Task TwoStoreInstancesRacingToApproveApproveEachActionExactlyOnce()
    {
        var path = _dir.File();
        await using var one = SqliteActionStore.Open(path);
        await using var two = SqliteActionStore.Open(path); // its own writer connection and read pool, like a second process
        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            ids.Add((await one.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl, ParametersJson = $$"""{"url":"https://evil{{i}}.example"}""" }, Alice)).Action.Id);
        }

        var racers = new[] { (Store: one, Name: "p1@contoso.com"), (Store: two, Name: "p2@contoso.com") }
            .ToArray();
        var wins = new[] { new List<string>(), new List<string>() };
        foreach (var id in ids)
        {
            // Both instances go for the same action at the same moment.
            var results = await Task.WhenAll(racers.Select(r => Task.Run(() => r.Store.TryTransitionAsync(id, [ActionState.Pending], ActionState.Approved,
                new AuditContext(r.Name), new ActionChanges { ApprovedBy = r.Name }))));
            Assert.Single(results, t => t.Succeeded);
            Assert.Single(results, t => t.Outcome == TransitionOutcome.StateMismatch);
            wins[results[0].Succeeded ? 0 : 1].Add(id);
        }
        _out.WriteLine($"instance 1 won {wins[0].Count}, instance 2 won {wins[1].Count}");

        Assert.Equal(ids.OrderBy(x => x), wins.SelectMany(w => w).OrderBy(x => x));
        foreach (var id in ids)
        {
            var approvals = new List<AuditRecord>();
            await foreach (var e in two.GetAuditAsync(id))
            {
                if (e.Event == "Approved")
                {
                    approvals.Add(e);
                }
            }
            var single = Assert.Single(approvals);
            Assert.Equal(single.Actor, (await one.GetActionAsync(id))!.ApprovedBy);
        }
        var v = await one.VerifyAuditTrailAsync();
        Assert.True(v.IsValid, v.Message);
        Assert.Equal(40, v.Count);
    }

    [Fact]
    public async Task TwoProcessesRacingToApproveTheSameActionsApproveEachExactlyOnce()
    {
        var path = _dir.File();
        await using var store = SqliteActionStore.Open(path);
        var ids = new List<string>();
        for (int i = 0; i < 200; i++)
        {
            ids.Add((await store.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice)).Action.Id);
        }
        // The child goes through the actions from the other end: the two meet somewhere in the middle and race there.
        using var child = KilledProcessChild.Start(path, Enumerable.Reverse(ids));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var killOnTimeout = guard.Token.Register(() => child.Kill(entireProcessTree: true));
        Assert.Equal("READY", await child.StandardOutput.ReadLineAsync(guard.Token));
        await store.TryTransitionAsync("A-0000000000", [ActionState.Pending], ActionState.Approved, Alice); // warm up, like the child
        await child.StandardInput.WriteLineAsync("GO");
        await child.StandardInput.FlushAsync();
        var firstLine = await child.StandardOutput.ReadLineAsync(guard.Token); // the child is under way

        var mine = new List<string>();
        foreach (var id in ids)
        {
            var r = await store.TryTransitionAsync(id, [ActionState.Pending], ActionState.Approved, new AuditContext("parent@contoso.com"),
                new ActionChanges { ApprovedBy = "parent@contoso.com" });
            if (r.Succeeded)
            {
                mine.Add(id);
            }
            else
            {
                Assert.Equal(TransitionOutcome.StateMismatch, r.Outcome);
            }
        }
        var theirs = new List<string>();
        var line = firstLine;
        for (; line is not null && line != "END"; line = await child.StandardOutput.ReadLineAsync(guard.Token))
        {
            if (line.StartsWith("WON ", StringComparison.Ordinal))
            {
                theirs.Add(line[4..]);
            }
            else
            {
                Assert.StartsWith("LOST ", line, StringComparison.Ordinal);
                Assert.EndsWith(" StateMismatch", line, StringComparison.Ordinal);
            }
        }
        await child.WaitForExitAsync(guard.Token);
        Assert.True(child.ExitCode == 0, await child.StandardError.ReadToEndAsync());
        _out.WriteLine($"this process won {mine.Count}, the other process won {theirs.Count}");

        Assert.Empty(mine.Intersect(theirs));
        Assert.Equal(ids.OrderBy(x => x), mine.Concat(theirs).OrderBy(x => x));
        foreach (var id in ids)
        {
            var a = await store.GetActionAsync(id);
            Assert.Equal(ActionState.Approved, a!.State);
            Assert.Equal(mine.Contains(id) ? "parent@contoso.com" : "child@contoso.com", a.ApprovedBy);
        }
        var v = await store.VerifyAuditTrailAsync();
        Assert.True(v.IsValid, v.Message);
        Assert.Equal(400, v.Count);
    }

    [Fact]
    public async Task TwoInstancesAppendingAtOnceKeepOneUnbrokenChain()
    {
        var path = _dir.File();
        await using var one = SqliteActionStore.Open(path);
        await using var two = SqliteActionStore.Open(path);
        var a = (await one.CreateActionAsync(new NewAction { Kind = ActionKind.DisableForwarding }, Alice)).Action;
        await Task.WhenAll(
            Task.WhenAll(Enumerable.Range(0, 150).Select(i => one.AppendAuditAsync(new AuditEntry(a.Id, "Note", new AuditContext("one", Reason: "n" + i))))),
            Task.WhenAll(Enumerable.Range(0, 150).Select(i => two.AppendAuditAsync(new AuditEntry(a.Id, "Note", new AuditContext("two", Reason: "n" + i))))));
        var v = await two.VerifyAuditTrailAsync();
        Assert.True(v.IsValid, v.Message);
        Assert.Equal(301, v.Count);
    }

    [Fact]
    public async Task AKilledSessionsJournalSurvivesAndAnotherInstanceResumesIt()
    {
        var path = _dir.File();
        var clock = new ManualClock();
        var first = SqliteActionStore.Open(path, clock: clock);
        var a = (await first.CreateActionAsync(new NewAction
        {
            Kind = ActionKind.SoftDeleteCluster,
            InitialState = ActionState.Running,
            Lease = new LeaseRequest("host1/4242", TimeSpan.FromSeconds(30)),
        }, Alice)).Action;
        var items = await first.AddItemsAsync(a.Id, Enumerable.Range(0, 100).Select(i => new NewItem("k" + i)));
        for (int i = 0; i < 40; i++)
        {
            await first.UpdateItemAsync(a.Id, new ItemUpdate(items[i].Seq, ItemState.Done) { LeaseOwner = "host1/4242" });
        }
        await first.UpdateItemAsync(a.Id, new ItemUpdate(items[40].Seq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = "host1/4242" });
        // "kill -9": the instance is abandoned without dispose, its lease never renewed or released.

        await using var second = SqliteActionStore.Open(path, clock: clock);
        var refused = await second.TryTransitionAsync(a.Id, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice,
            new ActionChanges { Lease = new LeaseRequest("host2/77", TimeSpan.FromSeconds(30)) });
        Assert.Equal(TransitionOutcome.LeaseHeld, refused.Outcome);
        clock.Advance(TimeSpan.FromSeconds(31));
        (await second.TryTransitionAsync(a.Id, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice,
            new ActionChanges { Lease = new LeaseRequest("host2/77", TimeSpan.FromSeconds(30)) })).EnsureSucceeded();
        var counts = await second.GetItemCountsAsync(a.Id);
        Assert.Equal(new ItemCounts(59, 1, 40, 0, 0, 0), counts);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task AProcessKilledWithSigkillLosesNoAwaitedWriteAndIsResumedFromItsJournal()
    {
        var path = _dir.File();
        using var child = KilledProcessChild.Start(path);
        string? actionId = null;
        var done = new HashSet<long>();
        var sw = Stopwatch.StartNew();
        bool killed = false;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var killOnTimeout = guard.Token.Register(() => child.Kill(entireProcessTree: true)); // never hang the test run
        while (await child.StandardOutput.ReadLineAsync(guard.Token) is { } line)
        {
            if (line.StartsWith("ACTION ", StringComparison.Ordinal))
            {
                actionId = line.Split(' ')[1];
            }
            else if (line.StartsWith("DONE ", StringComparison.Ordinal))
            {
                done.Add(long.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture));
            }
            if (!killed && (done.Count >= 400 || line == "FINISHED" || sw.Elapsed > TimeSpan.FromSeconds(60)))
            {
                child.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no dispose, no checkpoint
                killed = true;
            }
        }
        await child.WaitForExitAsync();
        var stderr = await child.StandardError.ReadToEndAsync();
        Assert.True(actionId is not null, "The child never reported its action: " + stderr);
        Assert.True(killed);
        _out.WriteLine($"child killed after {done.Count} reported items ({sw.ElapsedMilliseconds} ms); exit code {child.ExitCode}");

        // The file is intact and every write the child had awaited is there.
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check;";
            Assert.Equal("ok", (string)cmd.ExecuteScalar()!);
        }
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var store = SqliteActionStore.Open(path, clock: clock);
        foreach (var seq in done)
        {
            var item = await store.GetItemAsync(actionId, $"mbx{(seq - 1) % 40}|<{seq - 1}@evil>");
            Assert.Equal(ItemState.Done, item!.State);
        }
        var counts = await store.GetItemCountsAsync(actionId);
        Assert.Equal(KilledProcessChild.Items, counts.Total);
        Assert.True(counts.Done >= done.Count);
        Assert.True(counts.Done < KilledProcessChild.Items, "The child finished before it was killed; the test proves nothing.");
        Assert.True(counts.InProgress <= KilledProcessChild.Workers, $"{counts.InProgress} items in progress");
        _out.WriteLine($"journal after the kill: {counts}");

        // The dead child's lease is still live: a resume now is refused; once it is stale, exactly this session takes over.
        var resume = new ActionChanges { Lease = new LeaseRequest("resumer", TimeSpan.FromSeconds(30)) };
        Assert.Equal(TransitionOutcome.LeaseHeld,
            (await store.TryTransitionAsync(actionId, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice, resume)).Outcome);
        clock.Advance(TimeSpan.FromSeconds(31));
        (await store.TryTransitionAsync(actionId, [ActionState.Running, ActionState.Cancelled], ActionState.Running, Alice, resume)).EnsureSucceeded();

        // The resumer finishes from the journal: InProgress first (verify, then record), then Planned.
        var redo = new List<long>();
        await foreach (var it in store.GetItemsAsync(actionId, new ItemQuery { States = [ItemState.InProgress, ItemState.Planned] }))
        {
            redo.Add(it.Seq);
        }
        Assert.Equal(counts.InProgress + counts.Planned, redo.Count);
        Assert.Empty(redo.Intersect(done));
        await store.UpdateItemsAsync(actionId, redo.Select(s => new ItemUpdate(s, ItemState.Done) { LeaseOwner = "resumer" }).ToList());
        var final = (await store.TryTransitionAsync(actionId, [ActionState.Running], ActionState.Completed, Alice,
            new ActionChanges { ExpectedLeaseOwner = "resumer" })).EnsureSucceeded();
        Assert.Equal(KilledProcessChild.Items, final.Counts.Done);
        var v = await store.VerifyAuditTrailAsync();
        Assert.True(v.IsValid, v.Message);
    }

    [Fact]
    public async Task AnAuditRowEditedWithPlainSqlIsDetectedAndNamed()
    {
        var path = _dir.File();
        string victim;
        await using (var s = SqliteActionStore.Open(path))
        {
            for (int i = 0; i < 5; i++)
            {
                var a = (await s.CreateActionAsync(new NewAction { Kind = ActionKind.SoftDeleteEmail }, Alice)).Action;
                await s.TryTransitionAsync(a.Id, [ActionState.Pending], ActionState.Denied, new AuditContext("bob@contoso.com"));
            }
        }
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE audit SET actor = 'carol@contoso.com', event = 'Approved', to_state = 'Approved' WHERE seq = 6 RETURNING action_id;";
            victim = (string)cmd.ExecuteScalar()!;
        }
        await using (var s = SqliteActionStore.Open(path))
        {
            var v = await s.VerifyAuditTrailAsync();
            Assert.False(v.IsValid);
            Assert.Equal(6, v.BrokenSeq);
            Assert.Equal(victim, v.BrokenActionId);
            Assert.Equal(AuditProblem.HashMismatch, v.Problem);
            Assert.Equal($"Audit entry 6 (action {victim}) was modified: its hash does not match its content.", v.Message);
            _out.WriteLine(v.Message);
        }
    }

    [Fact]
    public async Task AnActionRowInsertedWithPlainSqlIsNamed()
    {
        var path = _dir.File();
        await using var s = SqliteActionStore.Open(path);
        await s.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice);
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO actions (id, kind, state, created_at, updated_at, proposed_by, parameters_json, version)
                VALUES ('A-EV1L000000', 'SoftDeleteCluster', 'Approved', 0, 0, 'mallory', '{}', 1);
                """;
            cmd.ExecuteNonQuery();
        }
        var v = await s.VerifyAuditTrailAsync();
        Assert.False(v.IsValid);
        Assert.Equal(AuditProblem.ActionStateMismatch, v.Problem);
        Assert.Equal("A-EV1L000000", v.BrokenActionId);
        Assert.Null(v.BrokenSeq);
        Assert.Contains("has no entry in the audit trail", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotADatabaseGivesASpecificError()
    {
        var path = _dir.File("garbage.db");
        File.WriteAllBytes(path, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 % 251)).ToArray());
        var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(path));
        Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
        Assert.Equal(path, e.Target);
        Assert.StartsWith($"The action store '{path}' is damaged or is not an AirRemediation action store", e.Message, StringComparison.Ordinal);
        Assert.Contains("file is not a database", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", e.Message, StringComparison.Ordinal);
        _out.WriteLine(e.Message);
    }

    [Fact]
    public async Task AMalformedStoreGivesTheDamagedError()
    {
        var path = _dir.File();
        await using (var s = SqliteActionStore.Open(path))
        {
            await s.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice);
        }
        // Checkpoint so everything is in the main file, then smash the schema page after the 100-byte header.
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.Position = 100;
            f.Write(Enumerable.Repeat((byte)0xA5, 3000).ToArray());
        }
        var e = await Assert.ThrowsAnyAsync<AirException>(async () =>
        {
            await using var s = SqliteActionStore.Open(path);
            await s.GetActionAsync("A-0000000000");
        });
        Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
        Assert.StartsWith($"The action store '{path}' is damaged", e.Message, StringComparison.Ordinal);
        _out.WriteLine(e.Message);
    }

    [Fact]
    public async Task ABatchOfItemUpdatesIsAllOrNothing()
    {
        await using var s = SqliteActionStore.Open(_dir.File());
        var a = (await s.CreateActionAsync(new NewAction { Kind = ActionKind.SoftDeleteEmail, InitialState = ActionState.Running, Lease = new LeaseRequest("s1", TimeSpan.FromMinutes(1)) }, Alice)).Action;
        await s.AddItemsAsync(a.Id, [new NewItem("k1"), new NewItem("k2")]);
        var ex = await Assert.ThrowsAsync<AirException>(() => s.UpdateItemsAsync(a.Id, [new ItemUpdate(1, ItemState.Done), new ItemUpdate(3, ItemState.Done)]));
        Assert.Equal(AirErrorKind.NotFound, ex.Kind);
        Assert.Equal(2, (await s.GetItemCountsAsync(a.Id)).Planned);
    }

    [Fact]
    public void APathThatIsAFolderGivesTheCannotOpenError()
    {
        var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(_dir.Path));
        Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
        Assert.StartsWith($"The action store '{_dir.Path}' cannot be opened", e.Message, StringComparison.Ordinal);
        _out.WriteLine(e.Message);
    }

    [Fact]
    public void AnotherApplicationsDatabaseIsNotTakenOver()
    {
        var path = _dir.File("other.db");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(path));
        Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
        Assert.Contains("another application", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreFromANewerVersionIsRefused()
    {
        var path = _dir.File();
        await SqliteActionStore.Open(path).DisposeAsync();
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 9;";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(path));
        Assert.Contains("newer version of AirRemediation", e.Message, StringComparison.Ordinal);
    }

    private static SqliteConnection HoldWriteLock(string path, bool exclusiveMode)
    {
        var holder = new SqliteConnection($"Data Source={path};Pooling=False");
        holder.Open();
        var steps = exclusiveMode
            ? new[] { "PRAGMA locking_mode=EXCLUSIVE;", "BEGIN EXCLUSIVE;", "INSERT INTO settings VALUES ('x', 'y', 0, 'holder');" }
            : new[] { "BEGIN EXCLUSIVE;", "INSERT INTO settings VALUES ('x', 'y', 0, 'holder');" };
        foreach (var sql in steps)
        {
            using var cmd = holder.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
        return holder;
    }

    [Fact]
    public async Task AWriteToAFileLockedByAnotherProcessGivesASpecificErrorAfterTheTimeout()
    {
        var path = _dir.File();
        await using var s = SqliteActionStore.Open(path, Quick);
        using (HoldWriteLock(path, exclusiveMode: false))
        {
            var sw = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<AirException>(() => s.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice));
            sw.Stop();
            Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
            Assert.Equal(path, e.Target);
            Assert.StartsWith($"The action store '{path}' is locked by another process", e.Message, StringComparison.Ordinal);
            _out.WriteLine($"{e.Message} (after {sw.ElapsedMilliseconds} ms)");

            // Readers are not blocked by a writer (WAL): listing the queue still works meanwhile.
            Assert.Null(await s.GetActionAsync("A-0000000000"));
        }
        // Once the other process lets go, the same store instance works again.
        Assert.True((await s.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice)).Created);
    }

    [Fact]
    public async Task OpeningAFileHeldExclusivelyByAnotherProcessGivesTheLockedError()
    {
        var path = _dir.File();
        await SqliteActionStore.Open(path).DisposeAsync();
        using (HoldWriteLock(path, exclusiveMode: true))
        {
            var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(path, Quick));
            Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
            Assert.StartsWith($"The action store '{path}' is locked by another process", e.Message, StringComparison.Ordinal);
            _out.WriteLine(e.Message);
        }
        await SqliteActionStore.Open(path, Quick).DisposeAsync();
    }

    [Fact]
    public void TheDefaultPathIsUnderLocalApplicationData()
    {
        var expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "AirRemediation", "actions.db");
        Assert.Equal(expected, ActionStorePaths.DefaultSqlitePath);
    }

    [Fact]
    public async Task TheFolderIsCreatedAndTheFileIsWal()
    {
        var path = Path.Combine(_dir.Path, "deeper", "still", "actions.db");
        await using (var s = SqliteActionStore.Open(path))
        {
            await s.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice);
        }
        await using (var s = SqliteActionStore.Open(path, new SqliteActionStoreOptions { BusyTimeout = TimeSpan.FromSeconds(5) }))
        {
            Assert.Equal("5000", s.Pragma("busy_timeout"));
            Assert.Equal("1", s.Pragma("synchronous")); // NORMAL
        }
        await using (var s = SqliteActionStore.Open(path, new SqliteActionStoreOptions { FullSync = true }))
        {
            Assert.Equal("2", s.Pragma("synchronous")); // FULL
        }
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)cmd.ExecuteScalar()!);
        cmd.CommandText = "PRAGMA user_version;";
        Assert.Equal(2L, (long)cmd.ExecuteScalar()!);
    }

    [Fact]
    public async Task A_new_store_is_readable_by_its_owner_alone()
    {
        if (OperatingSystem.IsWindows()) return;   // ACLs, not modes, on Windows: not checked there
        var folder = Path.Combine(_dir.Path, "fresh");
        var path = Path.Combine(folder, "actions.db");
        await using (var s = SqliteActionStore.Open(path))
        {
            await s.CreateActionAsync(new NewAction { Kind = ActionKind.BlockUrl }, Alice);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        foreach (var side in new[] { path + "-wal", path + "-shm" }.Where(File.Exists))
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(side) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherRead));
    }

    [Fact]
    public async Task Openers_racing_to_create_one_new_store_all_succeed()
    {
        // Two runbooks started together on a fresh machine both find no store file; the loser of the create must use
        // the winner's file, not fail with "already exists". Many rounds of 8 openers released by one barrier.
        for (var round = 0; round < 40; round++)
        {
            var path = Path.Combine(_dir.Path, $"race-{round}", "actions.db");
            using var start = new Barrier(8);
            var openers = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                StoreFileAccess.Prepare(path);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            await Task.WhenAll(openers);
            Assert.True(File.Exists(path));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task A_store_file_others_can_write_is_refused_with_the_fix()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = _dir.File();
        await SqliteActionStore.Open(path).DisposeAsync();
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.OtherWrite);
        var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(path));
        Assert.Equal(AirErrorKind.StoreUnavailable, e.Kind);
        Assert.Contains("can be written by other accounts", e.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{path}'", e.Message, StringComparison.Ordinal);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await SqliteActionStore.Open(path).DisposeAsync();
    }

    [Fact]
    public async Task A_store_in_a_folder_others_can_write_is_refused_unless_the_folder_is_sticky()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Path.Combine(_dir.Path, "shared");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("777", 8));
        var e = Assert.Throws<AirException>(() => SqliteActionStore.Open(Path.Combine(folder, "actions.db")));
        Assert.Contains("can be written by other accounts", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "actions.db")), "nothing is created in an unsafe folder");

        File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("1777", 8));   // like /tmp: others cannot replace our file
        await SqliteActionStore.Open(Path.Combine(folder, "actions.db")).DisposeAsync();
    }
}
