using Xunit;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Kinds;
using AirRemediation.Simulator.State;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AirRemediation.Engine.Tests.Faults;

/// <summary>
/// Issue 10, item 9 for soft delete: every bad input gets its own specific error, and nothing is half done silently
/// (each rejected input is an item in the journal and in the counts, or the run is refused before anything moves).
/// </summary>
[Trait("Category", "Fault")]
public sealed class BadInputFaultTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("not-a-mailbox", "no '@'")]
    [InlineData("pat@", "not a valid user principal name")]
    [InlineData("pat@contoso", "not a valid user principal name")]
    [InlineData("pat smith@contoso.com", "not a valid user principal name")]
    [InlineData("<pat@contoso.com>", "not a valid user principal name")]
    [InlineData("", "empty")]
    public void A_malformed_UPN_is_refused_with_a_message_naming_it(string upn, string expected)
    {
        var e = Assert.Throws<AirException>(() => Addresses.NormalizeMailbox(upn));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        if (upn.Length > 0) Assert.Contains(upn.Trim(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<a<b@evil.example>")]
    [InlineData("<a>b@evil.example>")]
    [InlineData("<a b@evil.example>")]
    [InlineData("<>")]
    public void An_internet_message_id_with_nested_brackets_or_spaces_is_refused(string id)
    {
        var e = Assert.Throws<AirException>(() => Addresses.NormalizeInternetMessageId(id));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("malformed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_in_an_internet_message_id_and_a_subject_are_escaped_in_the_filter_not_refused()
    {
        Assert.Equal("<\"o'neil\"@evil.example>", Addresses.NormalizeInternetMessageId("\"o'neil\"@evil.example"));
        var q = new ClusterQuery { Subject = "O'Brien's Überweisung ✓", InternetMessageIds = ["<\"o'neil\"@evil.example>"] };
        q.Validate();
        Assert.Equal("subject eq 'O''Brien''s Überweisung ✓' and internetMessageId eq '<\"o''neil\"@evil.example>'", q.ServerFilter());
    }

    [Fact]
    public void An_empty_cluster_query_is_refused_before_anything_runs()
    {
        var e = Assert.Throws<AirException>(() => new SoftDeleteRequest { Query = new ClusterQuery(), AllMailboxes = true }.Normalize());
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("needs at least one of", e.Message, StringComparison.Ordinal);
        var none = Assert.Throws<AirException>(() => new SoftDeleteRequest().Normalize());
        Assert.Contains("Nothing to soft delete", none.Message, StringComparison.Ordinal);
        var noMailbox = Assert.Throws<AirException>(() => new SoftDeleteRequest { Query = new ClusterQuery { Subject = "x" } }.Normalize());
        Assert.Contains("needs -Mailbox or -AllMailboxes", noMailbox.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_not_REST_enabled_malformed_and_duplicate_mailboxes_each_get_their_own_outcome_and_the_counts_add_up()
    {
        await using var t = await FaultTenant.StartAsync(3, 1, 3);
        var session = await t.ConnectAsync();
        var input = new[] { FaultTenant.Mailbox(0), "ghost@contoso.com", "diego@contoso.com", "not-a-mailbox", FaultTenant.Mailbox(1), FaultTenant.Mailbox(0).ToUpperInvariant(), FaultTenant.Mailbox(2) };
        var request = FaultTenant.Cluster(input);
        Assert.Equal(1, request.Duplicates);

        var run = await FaultTenant.RunAsync(session, request);

        foreach (var (_, r) in run.Items) output.WriteLine($"{r.Mailbox}: {r.Outcome} {r.ErrorKind} {r.Reason}");
        var byMailbox = run.Items.Select(i => i.Result).ToLookup(r => r.Mailbox);
        Assert.Equal(AirErrorKind.NotFound, Assert.Single(byMailbox["ghost@contoso.com"]).ErrorKind);
        Assert.Contains("was not found", byMailbox["ghost@contoso.com"].Single().Reason, StringComparison.Ordinal);
        Assert.Equal(AirErrorKind.MailboxNotRestEnabled, Assert.Single(byMailbox["diego@contoso.com"]).ErrorKind);
        Assert.Equal(AirErrorKind.InvalidInput, Assert.Single(byMailbox["not-a-mailbox"]).ErrorKind);
        Assert.Equal(ItemState.Done, Assert.Single(byMailbox[FaultTenant.Mailbox(0)]).Outcome);
        Assert.Equal(3, run.Summary.Succeeded);
        Assert.Equal(3, run.Summary.Failed);
        Assert.Equal(6, run.Summary.Total);
        Assert.Equal(ActionState.PartiallyCompleted, run.Summary.State);
        Assert.All(t.ClusterCopies(), c => Assert.Equal(1, c.TimesMoved));
    }

    [Fact]
    public async Task A_subject_with_an_apostrophe_and_Unicode_matches_exactly_its_message()
    {
        await using var t = await FaultTenant.StartAsync(2, 3, 2);
        const string subject = "O'Brien: Überweisung fällig – Zahlung bestätigen ✓ 請求書";
        var target = t.Sim.State.Mailboxes.First(m => m.Owner.UserPrincipalName == FaultTenant.Mailbox(1));
        lock (target.Gate)
        {
            foreach (var (s, id) in new[] { (subject, "<u-1@evil.example>"), (subject + " (2)", "<u-2@evil.example>"), ("O'Brien", "<u-3@evil.example>") })
                target.Messages.Add(new SimMessage
                {
                    Seq = target.Messages.Count, InternetMessageId = id, Subject = s, FromAddress = "ceo@evil.example",
                    ReceivedTicks = DateTimeOffset.UtcNow.AddHours(-2).UtcTicks, LastModifiedTicks = DateTimeOffset.UtcNow.AddHours(-2).UtcTicks,
                });
        }
        var session = await t.ConnectAsync();
        var run = await FaultTenant.RunAsync(session, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Subject = subject },
            AllMailboxes = true,
        }.Normalize());

        var item = Assert.Single(run.Messages).Result;
        Assert.Equal(subject, item.Subject);
        Assert.Equal("<u-1@evil.example>", item.InternetMessageId);
        Assert.Equal(1, run.Summary.Succeeded);
        lock (target.Gate)
        {
            Assert.Equal(1, target.Messages.Single(m => m.InternetMessageId == "<u-1@evil.example>").TimesMoved);
            Assert.Equal(0, target.Messages.Where(m => m.InternetMessageId != "<u-1@evil.example>").Sum(m => m.TimesMoved));
        }
    }

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
        await AirRemediation.Engine.Store.SqliteActionStore.Open(path).DisposeAsync();
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
