namespace AirRemediation.Engine.Actions;

/// <summary>Item counts of an action, by state. <see cref="Total"/> is always the sum of the others.</summary>
public sealed record ItemCounts(long Planned, long InProgress, long Done, long Already, long Failed, long Skipped)
{
    /// <summary>No items.</summary>
    public static ItemCounts Empty { get; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Every item of the action.</summary>
    public long Total => Planned + InProgress + Done + Already + Failed + Skipped;

    /// <summary>Items that need no further work (Done, Already, Failed, Skipped).</summary>
    public long Finished => Done + Already + Failed + Skipped;

    /// <summary>The count for one state.</summary>
    public long this[ItemState state] => state switch
    {
        ItemState.Planned => Planned,
        ItemState.InProgress => InProgress,
        ItemState.Done => Done,
        ItemState.Already => Already,
        ItemState.Failed => Failed,
        ItemState.Skipped => Skipped,
        _ => 0,
    };
}

/// <summary>One remediation action as the store holds it. Immutable: every change produces a new record with a higher <see cref="Version"/>.</summary>
public sealed record ActionRecord
{
    /// <summary>Short, typeable id, e.g. <c>A-7K3M9QX2PD</c>.</summary>
    public required string Id { get; init; }
    public required ActionKind Kind { get; init; }
    public required ActionState State { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>Identity name (UPN or app id) of whoever proposed or directly ran the action. Never a credential.</summary>
    public required string ProposedBy { get; init; }
    /// <summary>Verified identity of the proposer, <c>objectId@tenantId</c> (null in stores written before identities were verified).
    /// Four-eyes compares this, never the display name.</summary>
    public string? ProposerId { get; init; }
    /// <summary>Identity name of whoever approved or denied it.</summary>
    public string? ApprovedBy { get; init; }
    /// <summary>Verified identity of whoever approved it, <c>objectId@tenantId</c>.</summary>
    public string? ApproverId { get; init; }
    /// <summary>When it was approved, denied or expired.</summary>
    public DateTimeOffset? DecidedAt { get; init; }
    /// <summary>When a pending action stops being approvable.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>The source alert or investigation id, if the action came from one.</summary>
    public string? InvestigationId { get; init; }
    /// <summary>Identifies the evidence the action was proposed from; the store never holds two actions with the same one.</summary>
    public string? EvidenceKey { get; init; }
    /// <summary>Identifies "the same proposal" (kind + parameters) for collapsing identical proposals.</summary>
    public string? DedupeKey { get; init; }
    /// <summary>The action's parameters as JSON (targets, query, URL…), as the executor needs them.</summary>
    public required string ParametersJson { get; init; }
    /// <summary>One line for people, e.g. "Soft delete 3 messages in adele@contoso.com".</summary>
    public string? Summary { get; init; }
    /// <summary>Item counts, refreshed from the item journal on every state change.</summary>
    public required ItemCounts Counts { get; init; }
    /// <summary>For an Undo action: the action it reverses.</summary>
    public string? RelatedActionId { get; init; }
    /// <summary>The session currently executing the action, while its lease is held.</summary>
    public string? LeaseOwner { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    /// <summary>Increases on every change to the record.</summary>
    public required long Version { get; init; }

    /// <summary>True when a lease is held and has not expired at <paramref name="now"/>.</summary>
    public bool IsLeaseLive(DateTimeOffset now) => LeaseOwner is not null && LeaseExpiresAt is { } e && e > now;
}

/// <summary>One unit of work of an action, journaled before and after its side effect.</summary>
public sealed record ItemRecord
{
    public required string ActionId { get; init; }
    /// <summary>1-based position within the action, in the order items were added.</summary>
    public required long Seq { get; init; }
    /// <summary>Unique within the action, e.g. <c>mailbox|internetMessageId</c> or the URL.</summary>
    public required string Key { get; init; }
    /// <summary>What the item acts on, e.g. the mailbox.</summary>
    public string? Target { get; init; }
    public required ItemState State { get; init; }
    /// <summary>Why the item is Failed, Skipped or Already; free text for people.</summary>
    public string? Reason { get; init; }
    /// <summary>How many times the side effect was started.</summary>
    public required int Attempts { get; init; }
    /// <summary>What the executor needs (message id, subject…), as JSON.</summary>
    public string? DataJson { get; init; }
    /// <summary>State before the side effect (e.g. original folder id), used by undo.</summary>
    public string? BeforeJson { get; init; }
    /// <summary>State after the side effect (e.g. new message id).</summary>
    public string? AfterJson { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One entry of the hash-chained audit trail.</summary>
public sealed record AuditRecord
{
    /// <summary>Position in the store-wide chain, starting at 1, without gaps.</summary>
    public required long Seq { get; init; }
    /// <summary>The action concerned, or null for store-wide events (settings).</summary>
    public string? ActionId { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>Identity name (UPN, app id). Never a credential.</summary>
    public required string Actor { get; init; }
    public required ActorKind ActorKind { get; init; }
    /// <summary>How the actor signed in: method, tenant, client id. Never a secret or token.</summary>
    public string? SignIn { get; init; }
    /// <summary>What happened: Proposed, RunDirectly, Approved, Denied, Started, Resumed, Completed, SettingChanged…</summary>
    public required string Event { get; init; }
    public ActionState? FromState { get; init; }
    public ActionState? ToState { get; init; }
    public string? Reason { get; init; }
    /// <summary>Hash of the previous entry (64 zeros for the first).</summary>
    public required string PrevHash { get; init; }
    /// <summary>Lowercase hex SHA-256 over the canonical form of this entry including <see cref="PrevHash"/>.</summary>
    public required string Hash { get; init; }
    /// <summary>Canonical form the hash was computed with: 1 (before verified identities and pins) or 2.</summary>
    public int Format { get; init; } = 1;
    /// <summary>Format 2: the verified identity of the actor (<c>objectId@tenantId</c>).</summary>
    public string? ActorId { get; init; }
    /// <summary>Format 2, action entries: the hash of everything that decides what the action does (see <c>ContentPin</c>)
    /// at the time of the entry. Approving pins it; every run compares the stored action with it.</summary>
    public string? Pin { get; init; }
    /// <summary>Format 2, entries that end a run: the hash of the action's items (keys, targets, states, data, before and
    /// after), so the undo data cannot be changed quietly.</summary>
    public string? ItemsPin { get; init; }
}
