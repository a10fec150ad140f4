using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using Microsoft.Data.Sqlite;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

/// <summary>Temp folder for store files, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "air-store-tests", Guid.NewGuid().ToString("N"));

    public string File(string name = "actions.db") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[Collection(StoreCollection.Name)]
public class SqliteActionStoreContractTests : ActionStoreContract, IDisposable
{
    private readonly TempDir _dir = new();

    protected override IActionStore CreateStore(TimeProvider clock) =>
        SqliteActionStore.Open(_dir.File($"{Guid.NewGuid():N}.db"), new SqliteActionStoreOptions { BusyTimeout = TimeSpan.FromSeconds(5) }, clock);

    protected override Task TamperAuditAsync(IActionStore store, long seq, AuditTamper how) =>
        SqliteTamper.TamperAsync(store.Location, seq, how);

    protected override Task TamperActionStateAsync(IActionStore store, string actionId, ActionState state)
    {
        using var c = new SqliteConnection($"Data Source={store.Location};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE actions SET state = $s WHERE id = $id;";
        cmd.Parameters.AddWithValue("$s", state.ToString());
        cmd.Parameters.AddWithValue("$id", actionId);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Edits a store file with plain SQL, as someone with access to the file could.</summary>
internal static class SqliteTamper
{
    public static Task TamperAsync(string path, long seq, AuditTamper how)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.Parameters.AddWithValue("$seq", seq);
        switch (how)
        {
            case AuditTamper.EditReason:
                cmd.CommandText = "UPDATE audit SET reason = 'approved by the CEO' WHERE seq = $seq;";
                cmd.ExecuteNonQuery();
                break;
            case AuditTamper.Delete:
                cmd.CommandText = "DELETE FROM audit WHERE seq = $seq;";
                cmd.ExecuteNonQuery();
                break;
            case AuditTamper.EditAndRehash:
                cmd.CommandText = "SELECT seq, action_id, at, actor, actor_kind, sign_in, event, from_state, to_state, reason, prev_hash, hash, format, actor_id, pin, items_pin FROM audit WHERE seq = $seq;";
                AuditRecord rec;
                using (var r = cmd.ExecuteReader())
                {
                    r.Read();
                    rec = new AuditRecord
                    {
                        Seq = r.GetInt64(0),
                        ActionId = r.IsDBNull(1) ? null : r.GetString(1),
                        At = AuditChain.ParseTime(r.GetString(2)),
                        Actor = r.GetString(3),
                        ActorKind = Enum.Parse<ActorKind>(r.GetString(4)),
                        SignIn = r.IsDBNull(5) ? null : r.GetString(5),
                        Event = r.GetString(6),
                        FromState = r.IsDBNull(7) ? null : Enum.Parse<ActionState>(r.GetString(7)),
                        ToState = r.IsDBNull(8) ? null : Enum.Parse<ActionState>(r.GetString(8)),
                        Reason = "approved by the CEO",
                        PrevHash = r.GetString(10),
                        Hash = r.GetString(11),
                        Format = r.GetInt32(12),
                        ActorId = r.IsDBNull(13) ? null : r.GetString(13),
                        Pin = r.IsDBNull(14) ? null : r.GetString(14),
                        ItemsPin = r.IsDBNull(15) ? null : r.GetString(15),
                    };
                }
                rec = AuditChain.Seal(rec);
                cmd.CommandText = "UPDATE audit SET reason = $reason, hash = $hash WHERE seq = $seq;";
                cmd.Parameters.AddWithValue("$reason", rec.Reason);
                cmd.Parameters.AddWithValue("$hash", rec.Hash);
                cmd.ExecuteNonQuery();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how));
        }
        return Task.CompletedTask;
    }
}
