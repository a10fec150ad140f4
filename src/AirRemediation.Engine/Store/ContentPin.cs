using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// Hashes of what decides what an action does, written into the audit chain: the action's content (kind, parameters as
/// the module normalised them, proposer, expiry, source alert, related action, dedupe key), and, when a run ends, its
/// items (keys, targets, states, data, before- and after-state: the undo data). A row changed in the store no longer
/// matches the pin its trail carries.
/// </summary>
public static class ContentPin
{
    /// <summary>The content pin of an action record (lowercase hex SHA-256).</summary>
    public static string Of(ActionRecord a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var sb = new StringBuilder(256 + a.ParametersJson.Length);
        AuditChain.Field(sb, "v", "air-pin-1");
        AuditChain.Field(sb, "id", a.Id);
        AuditChain.Field(sb, "kind", a.Kind.ToString());
        AuditChain.Field(sb, "parameters", a.ParametersJson);
        AuditChain.Field(sb, "proposedBy", a.ProposedBy);
        AuditChain.Field(sb, "proposerId", a.ProposerId);
        AuditChain.Field(sb, "expiresAt", a.ExpiresAt is { } e ? AuditChain.FormatTime(e) : null);
        AuditChain.Field(sb, "investigationId", a.InvestigationId);
        AuditChain.Field(sb, "relatedActionId", a.RelatedActionId);
        AuditChain.Field(sb, "dedupeKey", a.DedupeKey);
        return Hash(sb);
    }

    /// <summary>The items pin over every item of an action, in Seq order.</summary>
    public static async Task<string> OfItemsAsync(IAsyncEnumerable<ItemRecord> items, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var sb = new StringBuilder(512);
        hash.AppendData("air-items-1\n"u8);
        await foreach (var i in items.WithCancellation(ct).ConfigureAwait(false))
        {
            sb.Clear();
            AuditChain.Field(sb, "seq", i.Seq.ToString(CultureInfo.InvariantCulture));
            AuditChain.Field(sb, "key", i.Key);
            AuditChain.Field(sb, "target", i.Target);
            AuditChain.Field(sb, "state", i.State.ToString());
            AuditChain.Field(sb, "data", i.DataJson);
            AuditChain.Field(sb, "before", i.BeforeJson);
            AuditChain.Field(sb, "after", i.AfterJson);
            hash.AppendData(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Hash(StringBuilder sb) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
}
