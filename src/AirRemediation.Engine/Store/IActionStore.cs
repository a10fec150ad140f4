using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The action queue, item journal, audit trail and settings. Every backend (SQLite file, Azure Table Storage)
/// implements this contract and passes the same contract tests.
/// </summary>
/// <remarks>
/// Guarantees: a transition is conditional and atomic with its audit entry (of racing callers exactly one wins);
/// a Running action is held by one live lease; items are unique by key per action; every write is durable when its
/// task completes; errors are <see cref="AirException"/> (StoreUnavailable, InvalidState, NotFound, Conflict, InvalidInput).
/// The store keeps exactly what it is given: pass identity names, never credentials.
/// </remarks>
public interface IActionStore : IAsyncDisposable
{
    /// <summary>Where the store lives (file path or table endpoint), for messages.</summary>
    string Location { get; }

    /// <summary>The clock the store stamps records with.</summary>
    TimeProvider Clock { get; }

    /// <summary>Creates an action and its first audit entry atomically, or returns the existing action the proposal collapses into
    /// (same <see cref="NewAction.EvidenceKey"/>, or same <see cref="NewAction.DedupeKey"/> since <see cref="NewAction.DedupeSince"/>).</summary>
    Task<CreateActionResult> CreateActionAsync(NewAction action, AuditContext who, CancellationToken cancellationToken = default);

    /// <summary>The action, or null.</summary>
    Task<ActionRecord?> GetActionAsync(string actionId, CancellationToken cancellationToken = default);

    /// <summary>Actions matching the query, newest first, fetched page by page.</summary>
    IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, CancellationToken cancellationToken = default);

    /// <summary>The newest action with this dedupe key created at or after <paramref name="createdSince"/>, or null.</summary>
    Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken cancellationToken = default);

    /// <summary>The action proposed from this evidence, or null.</summary>
    Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the action to <paramref name="to"/> if it is in one of <paramref name="expectedFrom"/> (and the lease conditions in
    /// <paramref name="changes"/> hold), writing the audit entry in the same atomic step. Throws AirException(InvalidState) if the
    /// state machine forbids any expectedFrom → to; otherwise never throws for a lost race: the result says who won.
    /// Moving to a state other than Running releases the lease. Counts are refreshed from the item journal. A decision on a
    /// Pending action sets DecidedAt (now) and, for Approved/Denied, ApprovedBy (the actor) unless <paramref name="changes"/> gives them.
    /// </summary>
    Task<TransitionResult> TryTransitionAsync(string actionId, IReadOnlyCollection<ActionState> expectedFrom, ActionState to,
        AuditContext who, ActionChanges? changes = null, CancellationToken cancellationToken = default);

    /// <summary>Takes the lease if nobody holds it, it expired, or <paramref name="owner"/> already holds it.</summary>
    Task<LeaseResult> TryAcquireLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease if <paramref name="owner"/> still holds it (even if it just expired and nobody took it). False: lost.</summary>
    Task<LeaseResult> RenewLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up if <paramref name="owner"/> holds it. Returns whether it did.</summary>
    Task<bool> ReleaseLeaseAsync(string actionId, string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds items to the action's journal, idempotent on <see cref="NewItem.Key"/>: an existing key returns the existing item unchanged.
    /// Returns one record per input, in input order. Throws NotFound if the action does not exist.
    /// </summary>
    Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string actionId, IEnumerable<NewItem> items, CancellationToken cancellationToken = default);

    /// <summary>Updates one item; durable when the task completes (await it before starting the side effect).</summary>
    Task<ItemRecord> UpdateItemAsync(string actionId, ItemUpdate update, CancellationToken cancellationToken = default);

    /// <summary>
    /// Updates several items in one write (e.g. marking a page of items Already or Skipped). Each update behaves like
    /// <see cref="UpdateItemAsync"/>. SQLite applies all or none; a backend whose transactions are smaller (Azure Tables: 100)
    /// may have applied a prefix when it throws — updates are idempotent, so retry the call.
    /// </summary>
    Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string actionId, IReadOnlyList<ItemUpdate> updates, CancellationToken cancellationToken = default);

    /// <summary>One item by key, or null.</summary>
    Task<ItemRecord?> GetItemAsync(string actionId, string key, CancellationToken cancellationToken = default);

    /// <summary>The action's items in Seq order, streamed page by page (memory stays flat for 100,000 items).</summary>
    IAsyncEnumerable<ItemRecord> GetItemsAsync(string actionId, ItemQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Item counts by state, from the journal.</summary>
    Task<ItemCounts> GetItemCountsAsync(string actionId, CancellationToken cancellationToken = default);

    /// <summary>Appends a free audit entry to the chain.</summary>
    Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The audit trail in Seq order: all of it, or one action's entries.</summary>
    IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId = null, CancellationToken cancellationToken = default);

    /// <summary>Recomputes the hash chain and names the first broken entry.</summary>
    Task<AuditVerification> VerifyAuditTrailAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies the trail as <see cref="VerifyAuditTrailAsync(CancellationToken)"/> does and, with <paramref name="expectedHead"/>
    /// (<c>seq:hash</c> kept outside the store), that the entry it names is still there unchanged; also checks every
    /// action's content and items against the pins in its trail.
    /// </summary>
    Task<AuditVerification> VerifyAuditTrailAsync(string? expectedHead, CancellationToken cancellationToken = default);

    /// <summary>A setting's value, or null.</summary>
    Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>All settings.</summary>
    Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets (or with null removes) a setting, with an audit entry "SettingChanged".</summary>
    Task SetSettingAsync(string key, string? value, AuditContext who, CancellationToken cancellationToken = default);
}
