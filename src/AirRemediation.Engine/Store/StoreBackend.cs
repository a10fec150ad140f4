using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// What a storage technology (a SQLite file, Azure Table Storage) supplies to the store front (<see cref="ActionStore"/>):
/// conditional writes of an action together with its audit entry, idempotent item inserts, lease-guarded item updates,
/// reads and paging. A backend knows nothing of the state machine, the secret guard or argument rules — the front decides
/// what to write; the backend writes it atomically or reports that someone else wrote first.
/// </summary>
internal interface IStoreBackend : IAsyncDisposable
{
    /// <summary>Where the store lives (file path or table endpoint, never a key).</summary>
    string Location { get; }

    /// <summary>
    /// Inserts the action <see cref="ActionInsert.Build"/> makes (given a fresh id on each try) with the audit entry
    /// <see cref="ActionInsert.Audit"/> makes for it — or, checked in the same atomic step, returns the action the insert
    /// collapses into (same evidence key; same dedupe key created at or after its window start). Throws NotFound when the
    /// related action does not exist.
    /// </summary>
    Task<CreateActionResult> InsertActionAsync(ActionInsert insert, CancellationToken ct);

    /// <summary>
    /// Reads the action (with its item counts when <paramref name="withCounts"/>), lets <paramref name="decide"/> choose, and
    /// writes what it chose — the next record and its audit entry — only if the action is still as it was read. When another
    /// writer won in between, <paramref name="decide"/> is asked again with the fresh state.
    /// </summary>
    Task<T> UpdateActionAsync<T>(string id, bool withCounts, Func<ActionRecord?, ItemCounts, ActionUpdate<T>> decide, CancellationToken ct);

    Task<ActionRecord?> GetActionAsync(string id, CancellationToken ct);
    Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken ct);
    Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken ct);
    IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, CancellationToken ct);

    /// <summary>Adds items (keys unique within <paramref name="items"/>), keeping an existing item with the same key as it is. One record per input, in order.</summary>
    Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string id, IReadOnlyList<NewItem> items, DateTimeOffset now, CancellationToken ct);

    /// <summary>Applies updates; each with a LeaseOwner only while that owner holds the action's lease (else Conflict). NotFound for a missing item.</summary>
    Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string id, IReadOnlyList<ItemUpdate> updates, DateTimeOffset now, CancellationToken ct);

    Task<ItemRecord?> GetItemAsync(string id, string key, CancellationToken ct);
    IAsyncEnumerable<ItemRecord> GetItemsAsync(string id, ItemQuery query, CancellationToken ct);
    Task<ItemCounts> CountItemsAsync(string id, CancellationToken ct);

    /// <summary>Appends one audit entry at the head of the chain (the chain never forks: a lost race re-links to the winner).</summary>
    Task<AuditRecord> AppendAuditAsync(AuditDraft draft, CancellationToken ct);

    IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId, CancellationToken ct);

    /// <summary>Feeds the whole trail, then every action, to <paramref name="verifier"/> from one consistent view of the store.</summary>
    Task<AuditVerification> VerifyAsync(Func<AuditChainVerifier> verifier, CancellationToken ct);

    Task<string?> GetSettingAsync(string key, CancellationToken ct);
    Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken ct);

    /// <summary>Sets (null: removes) a setting and appends the audit entry <paramref name="audit"/> makes from the old value, atomically; no change when it returns null.</summary>
    Task<bool> SetSettingAsync(string key, string? value, string updatedBy, DateTimeOffset now, Func<string?, AuditDraft?> audit, CancellationToken ct);
}

/// <summary>An audit entry before the chain gives it its place: sealed by <see cref="AuditChain.Seal(AuditDraft, long, string)"/>.</summary>
internal sealed record AuditDraft(string? ActionId, DateTimeOffset At, AuditContext Who, string Event, ActionState? From, ActionState? To, string? Reason,
    string? Pin = null, string? ItemsPin = null);

/// <summary>What <see cref="IStoreBackend.UpdateActionAsync{T}"/> writes: nothing (just <see cref="Result"/>), or the next record and, optionally, its audit entry.</summary>
internal readonly record struct ActionUpdate<T>(T Result, ActionRecord? Next = null, AuditDraft? Audit = null);

/// <summary>A new action to insert and the checks that are atomic with the insert.</summary>
internal sealed record ActionInsert(Func<string, ActionRecord> Build, Func<ActionRecord, AuditDraft> Audit, string? EvidenceKey, string? DedupeKey,
    DateTimeOffset? DedupeSince, string? RelatedActionId);
