using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// Who is acting and why, written into the audit entry of a change. Callers pass identity <em>names</em>
/// (UPN, app/client id, tenant id, sign-in method) — never a token, secret, certificate or password:
/// the store keeps exactly what it is given, forever.
/// </summary>
/// <param name="Actor">UPN or application id of the identity acting.</param>
/// <param name="ActorKind">Person or application.</param>
/// <param name="SignIn">How it signed in, e.g. "DeviceCode tenant=… client=…". No secrets.</param>
/// <param name="Reason">Why (a justification typed by the admin, or a system reason such as "lease of X went stale").</param>
/// <param name="Event">Overrides the audit event name the store would derive from the transition.</param>
/// <param name="ActorId">The verified identity that decides (<c>objectId@tenantId</c>, see <c>VerifiedPrincipal.Key</c>); what
/// four-eyes compares. Null only for entries of stores written before identities were verified.</param>
public sealed record AuditContext(string Actor, ActorKind ActorKind = ActorKind.User, string? SignIn = null, string? Reason = null, string? Event = null,
    string? ActorId = null);

/// <summary>A new action to store.</summary>
public sealed record NewAction
{
    public required ActionKind Kind { get; init; }
    /// <summary>Pending (proposed for approval) or Running (run directly; then <see cref="Lease"/> is required).</summary>
    public ActionState InitialState { get; init; } = ActionState.Pending;
    /// <summary>Identity name of the proposer; defaults to the audit actor.</summary>
    public string? ProposedBy { get; init; }
    /// <summary>Verified identity of the proposer (<c>objectId@tenantId</c>); defaults to the audit actor's id.</summary>
    public string? ProposerId { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? InvestigationId { get; init; }
    /// <summary>If set, and an action with the same evidence key exists (in any state), that one is returned instead.</summary>
    public string? EvidenceKey { get; init; }
    /// <summary>If set together with <see cref="DedupeSince"/>, an action with the same key created at or after that
    /// time is returned instead of creating a new one. The check and the insert are one atomic step.</summary>
    public string? DedupeKey { get; init; }
    public DateTimeOffset? DedupeSince { get; init; }
    public string ParametersJson { get; init; } = "{}";
    public string? Summary { get; init; }
    public string? RelatedActionId { get; init; }
    /// <summary>For InitialState Running: the lease the creating session takes.</summary>
    public LeaseRequest? Lease { get; init; }
}

/// <summary>A lease to take: <paramref name="Owner"/> is a session id (e.g. host/pid/guid), not a person.</summary>
public sealed record LeaseRequest(string Owner, TimeSpan Duration);

/// <summary>The outcome of <see cref="IActionStore.CreateActionAsync"/>.</summary>
/// <param name="Action">The new action, or the existing one the proposal collapsed into.</param>
/// <param name="Created">False when an existing action was returned.</param>
/// <param name="MatchedOn">"EvidenceKey" or "DedupeKey" when an existing action was returned.</param>
public sealed record CreateActionResult(ActionRecord Action, bool Created, string? MatchedOn);

/// <summary>Fields a transition may change besides the state. Null means "leave as is".</summary>
public sealed record ActionChanges
{
    public string? ApprovedBy { get; init; }
    /// <summary>Verified identity of the approver (<c>objectId@tenantId</c>); defaults to the audit actor's id on an approval.</summary>
    public string? ApproverId { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? Summary { get; init; }
    /// <summary>Required when the target state is Running: the lease the session takes. It is granted only if no other
    /// session holds a live lease; otherwise the transition loses with <see cref="TransitionOutcome.LeaseHeld"/>.</summary>
    public LeaseRequest? Lease { get; init; }
    /// <summary>If set, the transition happens only while this session holds the lease
    /// (a session whose lease was taken over must not finish the action).</summary>
    public string? ExpectedLeaseOwner { get; init; }
    /// <summary>If set, the transition happens only while the stored action still has this content pin (what was checked
    /// is what is approved); otherwise it loses with <see cref="TransitionOutcome.ContentChanged"/>.</summary>
    public string? ExpectedPin { get; init; }
}

/// <summary>Why a conditional transition did or did not happen.</summary>
public enum TransitionOutcome
{
    /// <summary>The transition happened; its audit entry is written.</summary>
    Succeeded,
    /// <summary>No action with that id.</summary>
    NotFound,
    /// <summary>The action is not in any of the expected states (someone else moved it first).</summary>
    StateMismatch,
    /// <summary>Another session holds a live lease on the action.</summary>
    LeaseHeld,
    /// <summary><see cref="ActionChanges.ExpectedLeaseOwner"/> no longer holds the lease.</summary>
    LeaseLost,
    /// <summary>A Pending action passed its ExpiresAt and can no longer be approved.</summary>
    Expired,
    /// <summary>The stored content no longer has <see cref="ActionChanges.ExpectedPin"/>: it changed after it was checked.</summary>
    ContentChanged,
}

/// <summary>The outcome of a conditional transition: whether this caller won, and the action as it is now.</summary>
public sealed record TransitionResult(TransitionOutcome Outcome, ActionRecord? Action, ActionState RequestedState, string ActionId)
{
    public bool Succeeded => Outcome == TransitionOutcome.Succeeded;

    /// <summary>An admin-readable explanation of a lost transition (null when it succeeded).</summary>
    public string? FailureMessage => Outcome switch
    {
        TransitionOutcome.Succeeded => null,
        TransitionOutcome.NotFound => $"No action with id {ActionId} exists in the action store.",
        TransitionOutcome.StateMismatch => ActionStateMachine.DescribeRefusal(ActionId, Action!.State, RequestedState),
        TransitionOutcome.LeaseHeld =>
            $"Action {ActionId} is running in another session ({Action!.LeaseOwner}) whose lease is live until {Action.LeaseExpiresAt:u}. Wait for it to finish, or resume it after that session stops.",
        TransitionOutcome.LeaseLost =>
            $"Action {ActionId} was taken over by another session ({Action!.LeaseOwner ?? "none"}); this session stopped working on it.",
        TransitionOutcome.Expired => $"Action {ActionId} expired at {Action!.ExpiresAt:u} and can no longer be approved; propose it again.",
        TransitionOutcome.ContentChanged => $"Action {ActionId} was changed outside AirRemediation after it was checked; it was not approved. Check the store with Test-AirAuditTrail.",
        _ => $"Action {ActionId} could not become {RequestedState}.",
    };

    /// <summary>Returns the action if the transition succeeded; otherwise throws the matching <see cref="AirException"/>.</summary>
    public ActionRecord EnsureSucceeded()
    {
        if (Succeeded)
        {
            return Action!;
        }
        var kind = Outcome switch
        {
            TransitionOutcome.NotFound => AirErrorKind.NotFound,
            TransitionOutcome.LeaseHeld or TransitionOutcome.LeaseLost => AirErrorKind.Conflict,
            TransitionOutcome.Expired => AirErrorKind.Expired,
            TransitionOutcome.ContentChanged => AirErrorKind.Tampered,
            _ => AirErrorKind.InvalidState,
        };
        throw new AirException(kind, FailureMessage!, ActionId);
    }
}

/// <summary>The outcome of a lease operation.</summary>
/// <param name="Acquired">True if the caller holds the lease now.</param>
/// <param name="Action">The action as it is now (null if it does not exist).</param>
public sealed record LeaseResult(bool Acquired, ActionRecord? Action);

/// <summary>Filter for <see cref="IActionStore.QueryActionsAsync"/>. Every set field must match. Results are newest first.</summary>
public sealed record ActionQuery
{
    public IReadOnlyCollection<ActionState>? States { get; init; }
    public ActionKind? Kind { get; init; }
    /// <summary>Ids starting with this, case-insensitive, with or without "A-" (for tab completion).</summary>
    public string? IdPrefix { get; init; }
    public string? ProposedBy { get; init; }
    public string? InvestigationId { get; init; }
    public string? RelatedActionId { get; init; }
    public DateTimeOffset? CreatedSince { get; init; }
    public DateTimeOffset? CreatedUntil { get; init; }
    /// <summary>Stop after this many (null: all).</summary>
    public int? Limit { get; init; }
    /// <summary>Rows fetched per round trip; memory stays bounded by this.</summary>
    public int PageSize { get; init; } = 200;
}

/// <summary>An item to add to an action's journal.</summary>
public sealed record NewItem(string Key, string? Target = null, string? DataJson = null, ItemState State = ItemState.Planned, string? Reason = null);

/// <summary>A change to one item. State and Reason are always set (Reason null clears it); other null fields stay as they are.</summary>
public sealed record ItemUpdate(long Seq, ItemState State)
{
    public string? Reason { get; init; }
    /// <summary>Add one to Attempts (set when starting a side effect).</summary>
    public bool IncrementAttempts { get; init; }
    public string? DataJson { get; init; }
    public string? BeforeJson { get; init; }
    public string? AfterJson { get; init; }
    /// <summary>If set, the update is refused with AirException(Conflict) unless this session holds the action's lease.</summary>
    public string? LeaseOwner { get; init; }
}

/// <summary>Filter for <see cref="IActionStore.GetItemsAsync"/>. Items come in Seq order.</summary>
public sealed record ItemQuery
{
    public IReadOnlyCollection<ItemState>? States { get; init; }
    /// <summary>Only items with Seq greater than this (to continue where a previous enumeration stopped).</summary>
    public long AfterSeq { get; init; }
    public int PageSize { get; init; } = 1000;
}

/// <summary>A free audit entry: an event that is not a state transition (reported to the alert, a note, a refused approval).
/// It carries no states; only transitions record states, so the trail's last state of an action is always its real state.</summary>
public sealed record AuditEntry(string? ActionId, string Event, AuditContext Who);

/// <summary>What is wrong with an audit entry.</summary>
public enum AuditProblem
{
    None,
    /// <summary>The stored hash is not the hash of the entry's fields: the entry was edited.</summary>
    HashMismatch,
    /// <summary>PrevHash is not the previous entry's hash: an entry before it was removed, replaced or reordered.</summary>
    BrokenLink,
    /// <summary>A sequence number is missing: an entry was deleted.</summary>
    MissingSequence,
    /// <summary>The chain is intact, but an action's stored state is not the state its audit entries end in (or it has none):
    /// the action record was changed outside AirRemediation.</summary>
    ActionStateMismatch,
    /// <summary>The chain is intact, but an action's content (parameters, proposer, expiry…) or its items (the undo data)
    /// no longer match the pin its audit entry holds: the record was changed outside AirRemediation.</summary>
    ContentMismatch,
    /// <summary>The entry a trail head kept outside the store names is missing or different: the trail was truncated or
    /// rewritten since that head was taken.</summary>
    AnchorMismatch,
    /// <summary>Azure Table backend: the chain head entity does not name the last entry (entries after it were deleted,
    /// or the head was moved).</summary>
    HeadMismatch,
}

/// <summary>The result of verifying the audit trail. When broken, names the first broken entry.</summary>
public sealed record AuditVerification
{
    public required bool IsValid { get; init; }
    /// <summary>Entries checked (all of them when valid; up to the broken one otherwise).</summary>
    public required long Count { get; init; }
    /// <summary>Hash of the last entry; record it elsewhere to detect truncation of the tail later.</summary>
    public string? HeadHash { get; init; }
    /// <summary>The anchor to keep outside the store: <c>seq:hash</c> of the last entry (see <see cref="AuditAnchor"/>).</summary>
    public string? Head => HeadHash is null ? null : AuditAnchor.Format(Count, HeadHash);
    public AuditProblem Problem { get; init; }
    /// <summary>Seq of the first broken entry (for MissingSequence: the number that is missing; for ActionStateMismatch: the
    /// action's last audit entry, or null if it has none).</summary>
    public long? BrokenSeq { get; init; }
    public string? BrokenActionId { get; init; }
    /// <summary>Readable description, e.g. "Audit entry 17 (action A-…) was modified: its hash does not match its content."</summary>
    public required string Message { get; init; }
}

/// <summary>Well-known store setting keys.</summary>
public static class StoreSettings
{
    /// <summary>"true" lets a proposer approve their own action (four-eyes off). Default false.</summary>
    public const string AllowSelfApproval = "AllowSelfApproval";
    /// <summary>Comma-separated application ids allowed to approve.</summary>
    public const string AppApprovers = "AppApprovers";
    /// <summary>Who (<c>objectId@tenantId</c>) asked to allow self-approval; a second policy administrator must confirm.</summary>
    public const string SelfApprovalRequestedBy = "SelfApprovalRequestedBy";
    /// <summary>The application (client) id of the worker that runs approved actions; unset: approving runs the action in the approver's session.</summary>
    public const string ExecutorAppId = "ExecutorAppId";
    /// <summary><c>classification/determination</c> to resolve an alert with after its proposal completes, unless the approver says otherwise.</summary>
    public const string DefaultAlertResolution = "DefaultAlertResolution";
}
