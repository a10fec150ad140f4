using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The canonical form and hash of audit entries, and the chain check. Shared by every backend so the same trail
/// verifies the same way wherever it is stored.
/// </summary>
/// <remarks>
/// Canonical form (UTF-8), one line per field in this order, each <c>name:length:value\n</c> where length is the
/// value's length in UTF-16 code units, or <c>name:-\n</c> for null:
/// <c>v</c> (always "air-audit-1"), <c>seq</c> (decimal), <c>actionId</c>, <c>at</c> (UTC, <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>),
/// <c>actor</c>, <c>actorKind</c> (User/App), <c>signIn</c>, <c>event</c>, <c>from</c>, <c>to</c> (state names), <c>reason</c>,
/// <c>prev</c> (previous hash). Hash = lowercase hex SHA-256 of that text. The first entry's prev is 64 zeros.
/// </remarks>
public static class AuditChain
{
    /// <summary>PrevHash of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>Timestamps in the canonical form (and as SQLite stores them).</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string s) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(s, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc));

    /// <summary>The canonical text of an entry (everything but its own hash).</summary>
    public static string Canonical(AuditRecord r)
    {
        var sb = new StringBuilder(256);
        Field(sb, "v", "air-audit-1");
        Field(sb, "seq", r.Seq.ToString(CultureInfo.InvariantCulture));
        Field(sb, "actionId", r.ActionId);
        Field(sb, "at", FormatTime(r.At));
        Field(sb, "actor", r.Actor);
        Field(sb, "actorKind", r.ActorKind.ToString());
        Field(sb, "signIn", r.SignIn);
        Field(sb, "event", r.Event);
        Field(sb, "from", r.FromState?.ToString());
        Field(sb, "to", r.ToState?.ToString());
        Field(sb, "reason", r.Reason);
        Field(sb, "prev", r.PrevHash);
        return sb.ToString();
    }

    /// <summary>Lowercase hex SHA-256 of the canonical form.</summary>
    public static string ComputeHash(AuditRecord r) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(r))));

    /// <summary>Returns <paramref name="r"/> with its Hash set.</summary>
    public static AuditRecord Seal(AuditRecord r) => r with { Hash = ComputeHash(r) };

    private static void Field(StringBuilder sb, string name, string? value)
    {
        sb.Append(name).Append(':');
        if (value is null)
        {
            sb.Append('-');
        }
        else
        {
            sb.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }
        sb.Append('\n');
    }

    /// <summary>Walks the whole trail in Seq order and reports the first broken entry.</summary>
    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRecord> trail, CancellationToken cancellationToken)
    {
        long expectedSeq = 1;
        string prev = Genesis;
        long count = 0;
        await foreach (var r in trail.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (r.Seq != expectedSeq)
            {
                return Broken(count, AuditProblem.MissingSequence, expectedSeq, r.ActionId,
                    r.Seq > expectedSeq
                        ? $"Audit entry {expectedSeq} is missing (the trail jumps from {expectedSeq - 1} to {r.Seq}{OfAction(r.ActionId)}): an entry was deleted."
                        : $"Audit entry {r.Seq}{OfAction(r.ActionId)} is out of order (expected {expectedSeq}).");
            }
            if (!string.Equals(r.PrevHash, prev, StringComparison.Ordinal))
            {
                return Broken(count, AuditProblem.BrokenLink, r.Seq, r.ActionId,
                    $"Audit entry {r.Seq}{OfAction(r.ActionId)} does not link to entry {r.Seq - 1}: its previous-hash differs, so an entry before it was replaced or rewritten.");
            }
            if (!string.Equals(ComputeHash(r), r.Hash, StringComparison.Ordinal))
            {
                return Broken(count, AuditProblem.HashMismatch, r.Seq, r.ActionId,
                    $"Audit entry {r.Seq}{OfAction(r.ActionId)} was modified: its hash does not match its content.");
            }
            prev = r.Hash;
            expectedSeq++;
            count++;
        }
        return new AuditVerification
        {
            IsValid = true,
            Count = count,
            HeadHash = count == 0 ? null : prev,
            Message = count == 0 ? "The audit trail is empty." : $"The audit trail is intact: {count} entries, head {prev[..12]}….",
        };
    }

    private static string OfAction(string? id) => id is null ? "" : $" (action {id})";

    private static AuditVerification Broken(long count, AuditProblem p, long seq, string? actionId, string message) => new()
    {
        IsValid = false,
        Count = count,
        Problem = p,
        BrokenSeq = seq,
        BrokenActionId = actionId,
        Message = message,
    };
}
