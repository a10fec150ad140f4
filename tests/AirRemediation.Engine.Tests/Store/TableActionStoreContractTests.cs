using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using Azure.Data.Tables;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>
/// The Azurite table service the build started (build.ps1 sets <see cref="Variable"/>). Tests that need it fail — never
/// skip — when it is not there, so a CI run without tables cannot pass by accident.
/// </summary>
internal static class Azurite
{
    public const string Variable = "AIR_TEST_TABLES_CONNECTION";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"The Azure Table backend tests need Azurite: {Variable} is not set. Run them through 'dotnet pwsh ./build.ps1 -Task Test', which installs " +
                "Azurite from .tools/azurite/package-lock.json and starts it on 127.0.0.1, or start it yourself " +
                "(node .tools/azurite/node_modules/azurite/dist/src/table/main.js --tableHost 127.0.0.1 --tablePort 10002 --inMemoryPersistence --disableTelemetry --silent) " +
                $"and set {Variable} to its connection string.");

    /// <summary>A fresh, empty store: its own table prefix on the shared Azurite.</summary>
    public static TableActionStore Open(TimeProvider clock, string? prefix = null) =>
        TableActionStore.OpenAsync(new TableStoreOptions { ConnectionString = ConnectionString, TablePrefix = prefix ?? NewPrefix() }, clock)
            .GetAwaiter().GetResult();

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..20];
}

[Trait("Category", "Tables")]
[Collection(StoreCollection.Name)]
public class TableActionStoreContractTests : ActionStoreContract
{
    private readonly List<TableActionStore> _opened = [];

    protected override IActionStore CreateStore(TimeProvider clock)
    {
        var s = Azurite.Open(clock);
        _opened.Add(s);
        return s;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var s in _opened)
        {
            await s.QueueTable.DeleteAsync();
            await s.ItemsTable.DeleteAsync();
        }
    }

    protected override async Task TamperAuditAsync(IActionStore store, long seq, AuditTamper how)
    {
        var t = ((TableActionStore)store).QueueTable;
        var e = (await t.GetEntityAsync<TableEntity>("Q", "L|" + seq.ToString("D19", System.Globalization.CultureInfo.InvariantCulture))).Value;
        switch (how)
        {
            case AuditTamper.EditReason:
                e["Reason"] = "approved by the CEO";
                await t.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace);
                break;
            case AuditTamper.Delete:
                await t.DeleteEntityAsync(e.PartitionKey, e.RowKey, e.ETag);
                break;
            case AuditTamper.EditAndRehash:
                e["Reason"] = "approved by the CEO";
                var rec = AuditChain.Seal(TableEntityMap.ToAudit(e));
                e["Hash"] = rec.Hash;
                await t.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how));
        }
    }

    protected override async Task TamperActionStateAsync(IActionStore store, string actionId, ActionState state)
    {
        var t = ((TableActionStore)store).QueueTable;
        var e = (await t.GetEntityAsync<TableEntity>("Q", "A|" + actionId)).Value;
        e["State"] = state.ToString();
        await t.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Replace);
    }

    [Fact]
    public async Task The_chain_head_entity_must_name_the_last_entry()
    {
        var s = (TableActionStore)NewStore();
        var a = await Create(s);
        await s.AppendAuditAsync(new AuditEntry(a.Id, "CommentPosted", Bob));
        Assert.True((await s.VerifyAuditTrailAsync()).IsValid);
        // Without any head kept elsewhere: the last entry deleted, the head entity left as it was, names what is gone.
        await TamperAuditAsync(s, 2, AuditTamper.Delete);
        var v = await s.VerifyAuditTrailAsync();
        Assert.False(v.IsValid);
        Assert.Equal(AuditProblem.HeadMismatch, v.Problem);
        Assert.Equal(2, v.BrokenSeq);
        Assert.Contains("The trail's head names entry 2, but the trail ends at entry 1", v.Message, StringComparison.Ordinal);
    }
}
