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
/// Format 2 (every entry this version writes) has <c>v</c> "air-audit-2" and adds, before <c>prev</c>: <c>actorId</c>
/// (the verified identity), <c>pin</c> (the action's content pin) and <c>itemsPin</c> (the items' pin at the end of a
/// run), so the trail covers every field that decides what runs. Format 1 entries of older stores still verify.
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
        Field(sb, "v", r.Format == 1 ? "air-audit-1" : "air-audit-" + r.Format.ToString(CultureInfo.InvariantCulture));
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
        if (r.Format != 1)
        {
            Field(sb, "actorId", r.ActorId);
            Field(sb, "pin", r.Pin);
            Field(sb, "itemsPin", r.ItemsPin);
        }
        Field(sb, "prev", r.PrevHash);
        return sb.ToString();
    }

    /// <summary>Lowercase hex SHA-256 of the canonical form.</summary>
    public static string ComputeHash(AuditRecord r) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(r))));

    /// <summary>Returns <paramref name="r"/> with its Hash set.</summary>
    public static AuditRecord Seal(AuditRecord r) => r with { Hash = ComputeHash(r) };

    /// <summary>The entry <paramref name="draft"/> becomes after the entry <paramref name="lastSeq"/> whose hash is <paramref name="prevHash"/>.</summary>
    internal static AuditRecord Seal(AuditDraft draft, long lastSeq, string prevHash) => Seal(new AuditRecord
    {
        Seq = lastSeq + 1,
        ActionId = draft.ActionId,
        At = draft.At,
        Actor = draft.Who.Actor,
        ActorKind = draft.Who.ActorKind,
        SignIn = draft.Who.SignIn,
        Event = draft.Event,
        FromState = draft.From,
        ToState = draft.To,
        Reason = draft.Reason,
        Format = 2,
        ActorId = draft.Who.ActorId,
        Pin = draft.Pin,
        ItemsPin = draft.ItemsPin,
        PrevHash = prevHash,
        Hash = "",
    });

    /// <summary>One canonical field: <c>name:length:value\n</c>, or <c>name:-\n</c> for null (also used by <see cref="ContentPin"/>).</summary>
    internal static void Field(StringBuilder sb, string name, string? value)
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

    /// <summary>Walks the whole trail in Seq order and reports the first broken entry; then, if <paramref name="actions"/> is given,
    /// checks that every action's state is the state its own audit entries end in.</summary>
    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRecord> trail, IAsyncEnumerable<ActionRecord>? actions,
        CancellationToken cancellationToken)
    {
        var v = new AuditChainVerifier();
        await foreach (var r in trail.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!v.Add(r))
            {
                return v.Result();
            }
        }
        if (actions is not null)
        {
            await foreach (var a in actions.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (!v.Check(a))
                {
                    break;
                }
            }
        }
        return v.Result();
    }
}

/// <summary>
/// Checks an audit trail entry by entry (in Seq order), keeping only the previous hash and each action's last recorded state,
/// so a trail of any length verifies in flat memory per entry. After the trail, <see cref="Check"/> compares each action's
/// stored state with the state its audit entries end in, which catches an action row edited outside AirRemediation
/// (e.g. a Denied action set to Approved with plain SQL).
/// </summary>
public sealed class AuditChainVerifier((long Seq, string Hash)? expectedHead = null)
{
    private readonly Dictionary<string, (long Seq, ActionState State)> _lastState = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Seq, string Pin)> _firstPin = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Seq, string Pin)> _lastItemsPin = new(StringComparer.Ordinal);

    public AuditChainVerifier() : this(null)
    {
    }

    /// <summary>Per action whose run ended: the last entry that pinned its items, and that pin (checked by the store front).</summary>
    public IEnumerable<(string ActionId, long Seq, string Pin)> ItemPins => _lastItemsPin.Select(p => (p.Key, p.Value.Seq, p.Value.Pin));
    private long _expectedSeq = 1;
    private string _prev = AuditChain.Genesis;
    private long _count;
    private AuditVerification? _broken;

    /// <summary>Adds the next entry. False once the chain is broken (the rest is not checked).</summary>
    public bool Add(AuditRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (_broken is not null)
        {
            return false;
        }
        if (r.Seq != _expectedSeq)
        {
            return Fail(AuditProblem.MissingSequence, _expectedSeq, r.ActionId,
                r.Seq > _expectedSeq
                    ? $"Audit entry {_expectedSeq} is missing (the trail jumps from {_expectedSeq - 1} to {r.Seq}{OfAction(r.ActionId)}): an entry was deleted."
                    : $"Audit entry {r.Seq}{OfAction(r.ActionId)} is out of order (expected {_expectedSeq}).");
        }
        if (!string.Equals(r.PrevHash, _prev, StringComparison.Ordinal))
        {
            return Fail(AuditProblem.BrokenLink, r.Seq, r.ActionId,
                $"Audit entry {r.Seq}{OfAction(r.ActionId)} does not link to entry {r.Seq - 1}: its previous-hash differs, so an entry before it was replaced or rewritten.");
        }
        if (!string.Equals(AuditChain.ComputeHash(r), r.Hash, StringComparison.Ordinal))
        {
            return Fail(AuditProblem.HashMismatch, r.Seq, r.ActionId,
                $"Audit entry {r.Seq}{OfAction(r.ActionId)} was modified: its hash does not match its content.");
        }
        if (expectedHead is { } head && r.Seq == head.Seq && !string.Equals(r.Hash, head.Hash, StringComparison.Ordinal))
        {
            return Fail(AuditProblem.AnchorMismatch, r.Seq, r.ActionId,
                $"Audit entry {r.Seq}{OfAction(r.ActionId)} is not the entry the expected head names (its hash is {r.Hash[..12]}…, the head says {head.Hash[..12]}…): the trail was rewritten since that head was taken.");
        }
        if (_tableHead is { } th && r.Seq == th.Seq && !string.Equals(r.Hash, th.Hash, StringComparison.Ordinal))
        {
            return Fail(AuditProblem.HeadMismatch, r.Seq, r.ActionId,
                $"The trail's head names entry {th.Seq} with another hash than the entry has: the head or the entry was changed.");
        }
        if (r.ActionId is not null && r.ToState is { } to)
        {
            _lastState[r.ActionId] = (r.Seq, to);
        }
        if (r.ActionId is not null && r.Pin is { } pin) _firstPin.TryAdd(r.ActionId, (r.Seq, pin));
        if (r.ActionId is not null && r.ItemsPin is { } items) _lastItemsPin[r.ActionId] = (r.Seq, items);
        _prev = r.Hash;
        _expectedSeq++;
        _count++;
        return true;
    }

    /// <summary>Records that an action row could not even be read (a state or kind this version never writes). Always false.</summary>
    public bool Unreadable(string actionId, string? state) => Fail(AuditProblem.ActionStateMismatch, null, actionId,
        $"Action {actionId} holds a state or kind AirRemediation never writes ('{state}'): it was changed outside AirRemediation.");

    /// <summary>Checks one action against the trail added so far. False if it disagrees (then <see cref="Result"/> names it).</summary>
    public bool Check(ActionRecord a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (_broken is not null)
        {
            return false;
        }
        if (!_lastState.TryGetValue(a.Id, out var last))
        {
            return Fail(AuditProblem.ActionStateMismatch, null, a.Id,
                $"Action {a.Id} ({a.State}) has no entry in the audit trail: it was added outside AirRemediation.");
        }
        if (last.State != a.State)
        {
            return Fail(AuditProblem.ActionStateMismatch, last.Seq, a.Id,
                $"Action {a.Id} is {a.State} in the store, but its audit trail ends in {last.State} (entry {last.Seq}): the action was changed outside AirRemediation.");
        }
        if (_firstPin.TryGetValue(a.Id, out var pinned) && !string.Equals(ContentPin.Of(a), pinned.Pin, StringComparison.Ordinal))
        {
            return Fail(AuditProblem.ContentMismatch, pinned.Seq, a.Id,
                $"Action {a.Id}'s content (kind, parameters, proposer, expiry, alert) does not match what audit entry {pinned.Seq} pinned: the action was changed outside AirRemediation.");
        }
        return true;
    }

    /// <summary>
    /// Azure Table: the chain head entity, read before the entries. The entry it names must be in the trail with its hash
    /// (entries appended after it by other writers are fine); otherwise entries were deleted from the end, or the head moved.
    /// </summary>
    public void ExpectTableHead(long seq, string hash) => _tableHead = (seq, hash);

    private (long Seq, string Hash)? _tableHead;

    /// <summary>The outcome so far; with an expected head, a trail that ends before it was truncated.</summary>
    public AuditVerification Result()
    {
        if (_broken is null && expectedHead is { } head && head.Seq > _expectedSeq - 1)
            Fail(AuditProblem.AnchorMismatch, head.Seq, null,
                $"Audit entry {head.Seq}, which the expected head names, is not in the trail (it ends at entry {_expectedSeq - 1}): entries were deleted from the end.");
        if (_broken is null && _tableHead is { } th && th.Seq > _expectedSeq - 1)
            Fail(AuditProblem.HeadMismatch, th.Seq, null,
                $"The trail's head names entry {th.Seq}, but the trail ends at entry {_expectedSeq - 1}: entries were deleted from the end.");
        return ResultSoFar();
    }

    private AuditVerification ResultSoFar() => _broken ?? new AuditVerification
    {
        IsValid = true,
        Count = _count,
        HeadHash = _count == 0 ? null : _prev,
        Message = _count == 0 ? "The audit trail is empty." : $"The audit trail is intact: {_count} entries, head {_prev[..12]}….",
    };

    private static string OfAction(string? id) => id is null ? "" : $" (action {id})";

    private bool Fail(AuditProblem p, long? seq, string? actionId, string message)
    {
        _broken = new AuditVerification
        {
            IsValid = false,
            Count = _count,
            Problem = p,
            BrokenSeq = seq,
            BrokenActionId = actionId,
            Message = message,
        };
        return false;
    }
}
