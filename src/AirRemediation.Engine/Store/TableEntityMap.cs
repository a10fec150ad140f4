using AirRemediation.Engine.Actions;
using Azure.Data.Tables;

namespace AirRemediation.Engine.Store;

/// <summary>
/// How action store records are laid out as table entities. Times are UTC ticks (Int64) so they round-trip to the tick;
/// audit times are the exact canonical text that was hashed; enums are stored by name. Strings longer than a table
/// property allows (64 KiB) are split over <c>Name</c>, <c>Name_1</c>, <c>Name_2</c>…
/// </summary>
internal static class TableEntityMap
{
    /// <summary>The one partition holding actions, audit entries, the chain head, settings and the evidence index.</summary>
    public const string QueuePartition = "Q";
    public const string HeadKey = "H";
    public const string VersionKey = "V";
    public const string ActionPrefix = "A|";
    public const string AuditPrefix = "L|";
    public const string SettingPrefix = "S|";
    public const string EvidencePrefix = "E|";
    public const string ItemPrefix = "S|";
    public const string ItemKeyPrefix = "K|";
    public const string ItemCounterKey = "C";
    public const int SchemaVersion = 1;

    private const int Chunk = 30_000; // UTF-16 chars; a string property holds at most 64 KiB

    public static string ActionRow(string id) => ActionPrefix + id;

    public static string AuditRow(long seq) => AuditPrefix + seq.ToString("D19", CultureInfo.InvariantCulture);

    public static string ItemRow(long seq) => ItemPrefix + seq.ToString("D19", CultureInfo.InvariantCulture);

    public static string ItemKeyRow(string key) => ItemKeyPrefix + Sha(key);

    public static string EvidenceRow(string key) => EvidencePrefix + Sha(key);

    /// <summary>Setting names may hold characters a RowKey forbids (/ \ # ?), so they are escaped.</summary>
    public static string SettingRow(string key) => SettingPrefix + Uri.EscapeDataString(key);

    /// <summary>The first RowKey after every RowKey that starts with <paramref name="prefix"/>.</summary>
    public static string PrefixEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    private static string Sha(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    public static void SetLong(TableEntity e, string name, string? value)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length <= Chunk)
        {
            e[name] = value;
            return;
        }
        for (int i = 0, n = 0; i < value.Length; i += Chunk, n++)
        {
            e[n == 0 ? name : name + "_" + n.ToString(CultureInfo.InvariantCulture)] = value.Substring(i, Math.Min(Chunk, value.Length - i));
        }
    }

    public static string? GetLong(TableEntity e, string name)
    {
        var first = e.GetString(name);
        if (first is null || first.Length < Chunk)
        {
            return first;
        }
        var sb = new StringBuilder(first);
        for (int n = 1; e.GetString(name + "_" + n.ToString(CultureInfo.InvariantCulture)) is { } part; n++)
        {
            sb.Append(part);
        }
        return sb.ToString();
    }

    private static void Set(TableEntity e, string name, string? v)
    {
        if (v is not null)
        {
            e[name] = v;
        }
    }

    private static void Set(TableEntity e, string name, DateTimeOffset? v)
    {
        if (v is { } t)
        {
            e[name] = t.UtcTicks;
        }
    }

    private static DateTimeOffset? Time(TableEntity e, string name) => e.GetInt64(name) is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    private static T ParseEnum<T>(string? s, string location) where T : struct, Enum =>
        s is not null && Enum.TryParse<T>(s, out var v) && string.Equals(v.ToString(), s, StringComparison.Ordinal)
            ? v
            : throw new AirException(AirErrorKind.StoreUnavailable,
                $"The action store at {location} holds a value this version does not understand ('{s}' as {typeof(T).Name}); it is damaged or was written by a newer version.", location);

    /// <summary>For audit entries: an unknown value must not stop verification; it maps out of range so its hash fails.</summary>
    private static T ParseLoose<T>(string? s) where T : struct, Enum =>
        s is not null && Enum.TryParse<T>(s, out var v) && string.Equals(v.ToString(), s, StringComparison.Ordinal) ? v : (T)(object)(-1);

    // ------------------------------------------------------------ actions

    public static TableEntity ToEntity(ActionRecord a)
    {
        var e = new TableEntity(QueuePartition, ActionRow(a.Id))
        {
            ["Id"] = a.Id,
            ["Kind"] = a.Kind.ToString(),
            ["State"] = a.State.ToString(),
            ["CreatedTicks"] = a.CreatedAt.UtcTicks,
            ["UpdatedTicks"] = a.UpdatedAt.UtcTicks,
            ["ProposedBy"] = a.ProposedBy,
            ["CPlanned"] = a.Counts.Planned,
            ["CInProgress"] = a.Counts.InProgress,
            ["CDone"] = a.Counts.Done,
            ["CAlready"] = a.Counts.Already,
            ["CFailed"] = a.Counts.Failed,
            ["CSkipped"] = a.Counts.Skipped,
            ["Version"] = a.Version,
        };
        Set(e, "ApprovedBy", a.ApprovedBy);
        Set(e, "ProposerId", a.ProposerId);
        Set(e, "ApproverId", a.ApproverId);
        Set(e, "DecidedTicks", a.DecidedAt);
        Set(e, "ExpiresTicks", a.ExpiresAt);
        Set(e, "InvestigationId", a.InvestigationId);
        Set(e, "EvidenceKey", a.EvidenceKey);
        Set(e, "DedupeKey", a.DedupeKey);
        SetLong(e, "ParametersJson", a.ParametersJson);
        SetLong(e, "Summary", a.Summary);
        Set(e, "RelatedActionId", a.RelatedActionId);
        Set(e, "LeaseOwner", a.LeaseOwner);
        Set(e, "LeaseExpiresTicks", a.LeaseExpiresAt);
        return e;
    }

    public static ActionRecord ToAction(TableEntity e, string location) => new()
    {
        Id = e.GetString("Id") ?? e.RowKey[ActionPrefix.Length..],
        Kind = ParseEnum<ActionKind>(e.GetString("Kind"), location),
        State = ParseEnum<ActionState>(e.GetString("State"), location),
        CreatedAt = Time(e, "CreatedTicks") ?? DateTimeOffset.MinValue,
        UpdatedAt = Time(e, "UpdatedTicks") ?? DateTimeOffset.MinValue,
        ProposedBy = e.GetString("ProposedBy") ?? "",
        ApprovedBy = e.GetString("ApprovedBy"),
        ProposerId = e.GetString("ProposerId"),
        ApproverId = e.GetString("ApproverId"),
        DecidedAt = Time(e, "DecidedTicks"),
        ExpiresAt = Time(e, "ExpiresTicks"),
        InvestigationId = e.GetString("InvestigationId"),
        EvidenceKey = e.GetString("EvidenceKey"),
        DedupeKey = e.GetString("DedupeKey"),
        ParametersJson = GetLong(e, "ParametersJson") ?? "{}",
        Summary = GetLong(e, "Summary"),
        RelatedActionId = e.GetString("RelatedActionId"),
        Counts = new ItemCounts(e.GetInt64("CPlanned") ?? 0, e.GetInt64("CInProgress") ?? 0, e.GetInt64("CDone") ?? 0,
            e.GetInt64("CAlready") ?? 0, e.GetInt64("CFailed") ?? 0, e.GetInt64("CSkipped") ?? 0),
        LeaseOwner = e.GetString("LeaseOwner"),
        LeaseExpiresAt = Time(e, "LeaseExpiresTicks"),
        Version = e.GetInt64("Version") ?? 0,
    };

    // ------------------------------------------------------------ items

    public static TableEntity ToEntity(ItemRecord i)
    {
        var e = new TableEntity(i.ActionId, ItemRow(i.Seq))
        {
            ["Seq"] = i.Seq,
            ["Key"] = i.Key,
            ["State"] = i.State.ToString(),
            ["Attempts"] = i.Attempts,
            ["UpdatedTicks"] = i.UpdatedAt.UtcTicks,
        };
        Set(e, "Target", i.Target);
        SetLong(e, "Reason", i.Reason);
        SetLong(e, "DataJson", i.DataJson);
        SetLong(e, "BeforeJson", i.BeforeJson);
        SetLong(e, "AfterJson", i.AfterJson);
        return e;
    }

    public static ItemRecord ToItem(TableEntity e, string location) => new()
    {
        ActionId = e.PartitionKey,
        Seq = e.GetInt64("Seq") ?? 0,
        Key = GetLong(e, "Key") ?? "",
        Target = e.GetString("Target"),
        State = ParseEnum<ItemState>(e.GetString("State"), location),
        Reason = GetLong(e, "Reason"),
        Attempts = e.GetInt32("Attempts") ?? 0,
        DataJson = GetLong(e, "DataJson"),
        BeforeJson = GetLong(e, "BeforeJson"),
        AfterJson = GetLong(e, "AfterJson"),
        UpdatedAt = Time(e, "UpdatedTicks") ?? DateTimeOffset.MinValue,
    };

    // ------------------------------------------------------------ audit

    public static TableEntity ToEntity(AuditRecord r)
    {
        var e = new TableEntity(QueuePartition, AuditRow(r.Seq))
        {
            ["Seq"] = r.Seq,
            ["At"] = AuditChain.FormatTime(r.At),
            ["Actor"] = r.Actor,
            ["ActorKind"] = r.ActorKind.ToString(),
            ["Event"] = r.Event,
            ["PrevHash"] = r.PrevHash,
            ["Hash"] = r.Hash,
        };
        Set(e, "ActionId", r.ActionId);
        Set(e, "SignIn", r.SignIn);
        Set(e, "FromState", r.FromState?.ToString());
        Set(e, "ToState", r.ToState?.ToString());
        SetLong(e, "Reason", r.Reason);
        if (r.Format != 1) e["Format"] = r.Format;
        Set(e, "ActorId", r.ActorId);
        Set(e, "Pin", r.Pin);
        Set(e, "ItemsPin", r.ItemsPin);
        return e;
    }

    public static AuditRecord ToAudit(TableEntity e)
    {
        DateTimeOffset at;
        try
        {
            at = AuditChain.ParseTime(e.GetString("At") ?? "");
        }
        catch (FormatException)
        {
            at = DateTimeOffset.MinValue; // tampered text: the hash check names the entry
        }
        return new AuditRecord
        {
            Seq = e.GetInt64("Seq") ?? -1,
            ActionId = e.GetString("ActionId"),
            At = at,
            Actor = e.GetString("Actor") ?? "",
            ActorKind = ParseLoose<ActorKind>(e.GetString("ActorKind")),
            SignIn = e.GetString("SignIn"),
            Event = e.GetString("Event") ?? "",
            FromState = e.GetString("FromState") is { } f ? ParseLoose<ActionState>(f) : null,
            ToState = e.GetString("ToState") is { } t ? ParseLoose<ActionState>(t) : null,
            Reason = GetLong(e, "Reason"),
            PrevHash = e.GetString("PrevHash") ?? "",
            Hash = e.GetString("Hash") ?? "",
            Format = e.GetInt32("Format") ?? 1,
            ActorId = e.GetString("ActorId"),
            Pin = e.GetString("Pin"),
            ItemsPin = e.GetString("ItemsPin"),
        };
    }
}
