using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Store;
using AirRemediation.Engine.Tests.Harness;
using Azure.Data.Tables;
using Microsoft.Data.Sqlite;
using Xunit;

namespace AirRemediation.Engine.Tests.Approvals;

/// <summary>
/// What was proposed and approved is what runs: a stored action or its undo data changed behind the module's back (with
/// write access to the SQLite file or the Azure Table, as an attacker would) is refused with AirTampered before anything
/// reaches the tenant, the refusal is in the trail, and Test-AirAuditTrail names the entry whose pin no longer matches.
/// Run against both backends.
/// </summary>
[Collection(Store.StoreCollection.Name)]
public sealed class PinnedContentTests
{
    private static Task<ActionRecord> ProposeAsync(AirSession proposer, string url) => ApprovalTenant.ProposeBlockAsync(proposer, url);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_proposal_whose_parameters_were_changed_in_the_store_is_refused_and_the_trail_names_its_pin(bool tables)
    {
        await using var t = await ApprovalTenant.StartAsync(onTables: tables);
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var action = await ProposeAsync(megan, "pinned-phish.example");
        var store = await alex.GetStoreAsync(default);
        var proposed = Assert.Single(await store.GetAuditAsync(action.Id).ToListAsync());
        Assert.Equal(2, proposed.Format);
        Assert.Equal(megan.Principal.Key, proposed.ActorId);
        Assert.Equal(ContentPin.Of(action), proposed.Pin);

        // Still a valid request in the module's own form: only the pin can tell it is not what was proposed.
        await Tamper.ParametersAsync(store, action.Id, p => p.Replace("pinned-phish.example", "partner-site.example", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<AirException>(() => DecisionService.EnsureApprovableAsync(alex, action.Id, default));
        Assert.Equal(AirErrorKind.Tampered, e.Kind);
        Assert.Contains($"Action {action.Id} was changed outside AirRemediation", e.Message, StringComparison.Ordinal);
        Assert.Contains($"does not match what audit entry {proposed.Seq} (Proposed) pinned", e.Message, StringComparison.Ordinal);
        Assert.Equal(ActionState.Pending, (await store.GetActionAsync(action.Id))!.State);
        Assert.Equal(0, t.Blocked("partner-site.example"));
        Assert.Equal(0, t.Blocked("pinned-phish.example"));
        var refusal = Assert.Single(await store.GetAuditAsync(action.Id).ToListAsync(), a => a.Event == "TamperDetected");
        Assert.Equal(alex.Principal.Key, refusal.ActorId);

        var v = await store.VerifyAuditTrailAsync();
        Assert.False(v.IsValid);
        Assert.Equal(AuditProblem.ContentMismatch, v.Problem);
        Assert.Equal(action.Id, v.BrokenActionId);
        Assert.Equal(proposed.Seq, v.BrokenSeq);
        Assert.Contains($"audit entry {proposed.Seq} pinned", v.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Undo_data_changed_after_the_run_is_refused_and_nothing_is_undone(bool tables)
    {
        await using var t = await ApprovalTenant.StartAsync(onTables: tables);
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var action = await ProposeAsync(megan, "undo-pinned.example");
        var candidate = await DecisionService.EnsureApprovableAsync(alex, action.Id, default);
        Assert.Equal(ActionState.Completed, (await DecisionService.ApproveAsync(alex, candidate, null, RunSink.None, default)).State);
        Assert.Equal(1, t.Blocked("undo-pinned.example"));
        var store = await alex.GetStoreAsync(default);
        var ended = (await store.GetAuditAsync(action.Id).ToListAsync()).Last(a => a.ItemsPin is not null);
        Assert.Equal("Completed", ended.Event);
        var approved = Assert.Single(await store.GetAuditAsync(action.Id).ToListAsync(), a => a.Event == "Approved");
        Assert.Equal(alex.Principal.Key, approved.ActorId);
        Assert.Equal(alex.Principal.Key, (await store.GetActionAsync(action.Id))!.ApproverId);

        var item = Assert.Single(await store.GetItemsAsync(action.Id).ToListAsync());
        await Tamper.ItemAsync(store, action.Id, item.Seq, "after-state", (item.AfterJson ?? "{}") + " ");

        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.UndoAsync(alex, action.Id, RunSink.None, default));
        Assert.Equal(AirErrorKind.Tampered, e.Kind);
        Assert.Contains($"its items (the undo data) do not match what audit entry {ended.Seq} (Completed) pinned", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, t.Blocked("undo-pinned.example"));
        Assert.Equal(ActionState.Completed, (await store.GetActionAsync(action.Id))!.State);
        Assert.Single(await store.GetAuditAsync(action.Id).ToListAsync(), a => a.Event == "TamperDetected");

        var v = await store.VerifyAuditTrailAsync();
        Assert.False(v.IsValid);
        Assert.Equal(AuditProblem.ContentMismatch, v.Problem);
        Assert.Equal(ended.Seq, v.BrokenSeq);
        Assert.Contains($"The items of action {action.Id} (its undo data) do not match what audit entry {ended.Seq} pinned", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approved_action_whose_approver_was_rewritten_to_its_proposer_does_not_run_on_resume()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var megan = await t.UserAsync(ApprovalTenant.Megan);
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var action = await ProposeAsync(megan, "resume-pinned.example");
        var store = await alex.GetStoreAsync(default);
        // Approved, but not run (a worker would pick it up later): recorded the way Approve records it.
        (await store.TryTransitionAsync(action.Id, [ActionState.Pending], ActionState.Approved, AuditContexts.For(alex),
            new ActionChanges { ApprovedBy = alex.Identity })).EnsureSucceeded();
        await Tamper.ApproverAsync(store, action.Id, megan.Principal.Key);

        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.ResumeAsync(megan, action.Id, RunSink.None, default));
        Assert.Equal(AirErrorKind.Tampered, e.Kind);
        Assert.Contains("its approver is not the identity its approval (audit entry", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, t.Blocked("resume-pinned.example"));
        Assert.Equal(ActionState.Approved, (await store.GetActionAsync(action.Id))!.State);
    }

    [Fact]
    public async Task A_stopped_runs_journal_changed_before_it_is_resumed_is_refused()
    {
        await using var t = await ApprovalTenant.StartAsync();
        var alex = await t.UserAsync(ApprovalTenant.Alex);
        var request = Remediation.Normalize(alex, new SoftDeleteRequest
        {
            Query = new ClusterQuery { Subject = "Lunch on Friday?" },
            Mailboxes = ["lynne@contoso.com", "megan@contoso.com", "adele@contoso.com"],
        });
        // Ctrl+C as soon as the first message is reported: the run stops Cancelled with its journal pinned.
        using var stop = new CancellationTokenSource();
        var stopped = await Remediation.RunAsync(alex, request, null, new RunSink(_ => stop.Cancel(), _ => { }), stop.Token);
        Assert.Equal(ActionState.Cancelled, stopped.State);
        var store = await alex.GetStoreAsync(default);
        var pinned = (await store.GetAuditAsync(stopped.ActionId).ToListAsync()).Last();
        Assert.Equal(ActionState.Cancelled, pinned.ToState);
        Assert.NotNull(pinned.ItemsPin);

        var item = (await store.GetItemsAsync(stopped.ActionId).ToListAsync()).First();
        await Tamper.ItemAsync(store, stopped.ActionId, item.Seq, "after-state", "{}");

        var e = await Assert.ThrowsAsync<AirException>(() => Remediation.ResumeAsync(alex, stopped.ActionId, RunSink.None, default));
        Assert.Equal(AirErrorKind.Tampered, e.Kind);
        Assert.Contains($"do not match what audit entry {pinned.Seq} (Cancelled) pinned", e.Message, StringComparison.Ordinal);
        Assert.Equal(ActionState.Cancelled, (await store.GetActionAsync(stopped.ActionId))!.State);
    }

    /// <summary>Writes the store behind the module's back, as someone with write access to the file or the table could.</summary>
    internal static class Tamper
    {
        public static Task ParametersAsync(IActionStore store, string id, Func<string, string> change) =>
            ActionAsync(store, id, "parameters_json", "ParametersJson", change);

        public static Task ApproverAsync(IActionStore store, string id, string approverId) =>
            ActionAsync(store, id, "approver_id", "ApproverId", _ => approverId);

        private static async Task ActionAsync(IActionStore store, string id, string column, string property, Func<string, string> change)
        {
            if (store is TableActionStore table)
            {
                var e = (await table.QueueTable.GetEntityAsync<TableEntity>("Q", "A|" + id)).Value;
                e[property] = change(e.GetString(property) ?? "");
                await table.QueueTable.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace);
                return;
            }
            using var c = Open(store);
            using var read = c.CreateCommand();
            read.CommandText = $"SELECT {column} FROM actions WHERE id = $id;";
            read.Parameters.AddWithValue("$id", id);
            var before = Convert.ToString(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
            using var write = c.CreateCommand();
            write.CommandText = $"UPDATE actions SET {column} = $v WHERE id = $id;";
            write.Parameters.AddWithValue("$v", change(before));
            write.Parameters.AddWithValue("$id", id);
            Assert.Equal(1, write.ExecuteNonQuery());
        }

        public static async Task ItemAsync(IActionStore store, string id, long seq, string field, string value)
        {
            Assert.Equal("after-state", field);
            if (store is TableActionStore table)
            {
                var e = (await table.ItemsTable.GetEntityAsync<TableEntity>(id, TableEntityMap.ItemRow(seq))).Value;
                e["AfterJson"] = value;
                await table.ItemsTable.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace);
                return;
            }
            using var c = Open(store);
            using var write = c.CreateCommand();
            write.CommandText = "UPDATE items SET after_json = $v WHERE action_id = $id AND seq = $seq;";
            write.Parameters.AddWithValue("$v", value);
            write.Parameters.AddWithValue("$id", id);
            write.Parameters.AddWithValue("$seq", seq);
            Assert.Equal(1, write.ExecuteNonQuery());
        }

        private static SqliteConnection Open(IActionStore store)
        {
            var c = new SqliteConnection($"Data Source={store.Location};Pooling=False");
            c.Open();
            return c;
        }
    }
}
