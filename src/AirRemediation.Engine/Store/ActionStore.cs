using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The one front of every action store: argument checks, the secret guard, the state machine's rules, the next record
/// (version, timestamps, decisions, leases) and the audit entries live here once; a backend (<see cref="IStoreBackend"/>)
/// only stores what this class decides, atomically. <see cref="SqliteActionStore"/> and <see cref="TableActionStore"/> are
/// this front bound to their backend.
/// </summary>
public abstract class ActionStore : IActionStore
{
    private readonly IStoreBackend backend;
    private int disposed;

    private protected ActionStore(IStoreBackend backend, TimeProvider clock)
    {
        this.backend = backend;
        Clock = clock;
    }

    /// <inheritdoc/>
    public string Location => backend.Location;

    /// <inheritdoc/>
    public TimeProvider Clock { get; }

    private protected IStoreBackend Backend => backend;

    private void EnsureOpen(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ct.ThrowIfCancellationRequested();
    }

    // ---------------------------------------------------------------- actions

    /// <inheritdoc/>
    public Task<CreateActionResult> CreateActionAsync(NewAction action, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        StoreChecks.ValidateWho(who);
        ActionStateMachine.EnsureCreate(action.InitialState);
        // The proposer is an identity name the module writes; parameters and summary carry attacker-written text and are not guarded.
        SecretGuard.Ensure(action.ProposedBy, "proposer name");
        SecretGuard.Ensure(action.ProposerId ?? who.ActorId, "proposer id");
        if (action.InitialState == ActionState.Running && action.Lease is null)
            throw new AirException(AirErrorKind.InvalidInput, "An action created to run directly needs the lease of the session that runs it.");
        StoreChecks.ValidateLease(action.Lease);
        string? related = action.RelatedActionId is null ? null : StoreChecks.Id(action.RelatedActionId);
        EnsureOpen(cancellationToken);

        var now = Clock.GetUtcNow();
        var lease = action.InitialState == ActionState.Running ? action.Lease : null;
        ActionRecord Build(string id) => new()
        {
            Id = id,
            Kind = action.Kind,
            State = action.InitialState,
            CreatedAt = now,
            UpdatedAt = now,
            ProposedBy = action.ProposedBy ?? who.Actor,
            ProposerId = action.ProposerId ?? who.ActorId,
            ExpiresAt = action.ExpiresAt,
            InvestigationId = action.InvestigationId,
            EvidenceKey = action.EvidenceKey,
            DedupeKey = action.DedupeKey,
            ParametersJson = string.IsNullOrWhiteSpace(action.ParametersJson) ? "{}" : action.ParametersJson,
            Summary = action.Summary,
            RelatedActionId = related,
            Counts = ItemCounts.Empty,
            LeaseOwner = lease?.Owner,
            LeaseExpiresAt = lease is null ? null : now + lease.Duration,
            Version = 1,
        };
        return backend.InsertActionAsync(new ActionInsert(Build,
            rec => new AuditDraft(rec.Id, now, who, who.Event ?? ActionStateMachine.CreateEventName(rec.State), null, rec.State, who.Reason,
                ContentPin.Of(rec)),
            action.EvidenceKey, action.DedupeKey, action.DedupeSince, related), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> GetActionAsync(string actionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        EnsureOpen(cancellationToken);
        return backend.GetActionAsync(StoreChecks.Id(actionId), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dedupeKey);
        EnsureOpen(cancellationToken);
        return backend.FindByDedupeKeyAsync(dedupeKey, createdSince, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(evidenceKey);
        EnsureOpen(cancellationToken);
        return backend.FindByEvidenceKeyAsync(evidenceKey, cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        EnsureOpen(cancellationToken);
        return backend.QueryActionsAsync(query, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<TransitionResult> TryTransitionAsync(string actionId, IReadOnlyCollection<ActionState> expectedFrom, ActionState to,
        AuditContext who, ActionChanges? changes = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(expectedFrom);
        StoreChecks.ValidateWho(who);
        string id = StoreChecks.Id(actionId);
        if (expectedFrom.Count == 0) throw new ArgumentException("At least one expected state is required.", nameof(expectedFrom));
        foreach (var from in expectedFrom) ActionStateMachine.EnsureTransition(from, to, id);
        changes ??= new ActionChanges();
        if (to == ActionState.Running && changes.Lease is null)
            throw new AirException(AirErrorKind.InvalidInput, $"Action {id} can only be run under a lease; pass the session's lease.", id);
        StoreChecks.ValidateLease(changes.Lease);
        SecretGuard.Ensure(changes.ApproverId ?? who.ActorId, "approver id");
        EnsureOpen(cancellationToken);
        // A run that ends pins its items (the undo data) in the trail; read before the write, while the run's lease still
        // keeps every other writer away from them.
        string? itemsPin = to is ActionState.Completed or ActionState.PartiallyCompleted or ActionState.Failed or ActionState.Cancelled
            ? await ContentPin.OfItemsAsync(backend.GetItemsAsync(id, new ItemQuery(), cancellationToken), cancellationToken).ConfigureAwait(false)
            : null;

        return await backend.UpdateActionAsync(id, withCounts: true, (cur, counts) =>
        {
            if (cur is null) return new ActionUpdate<TransitionResult>(new TransitionResult(TransitionOutcome.NotFound, null, to, id));
            var now = Clock.GetUtcNow();
            if (StoreChecks.Refusal(cur, expectedFrom, to, changes, who, now, id, out var reason) is { } refused)
                return new ActionUpdate<TransitionResult>(refused);
            // A decision (approve, deny, expire) always records when, and approve/deny who, unless the caller says otherwise.
            bool decision = cur.State == ActionState.Pending;
            bool byPerson = decision && to is ActionState.Approved or ActionState.Denied;
            var next = cur with
            {
                State = to,
                UpdatedAt = now,
                ApprovedBy = changes.ApprovedBy ?? (byPerson ? who.Actor : cur.ApprovedBy),
                ApproverId = changes.ApproverId ?? (to == ActionState.Approved && decision ? who.ActorId : cur.ApproverId),
                DecidedAt = changes.DecidedAt ?? (decision ? now : cur.DecidedAt),
                Summary = changes.Summary ?? cur.Summary,
                Counts = counts,
                // Any state but Running gives the lease up.
                LeaseOwner = to == ActionState.Running ? changes.Lease!.Owner : null,
                LeaseExpiresAt = to == ActionState.Running ? now + changes.Lease!.Duration : null,
                Version = cur.Version + 1,
            };
            var audit = new AuditDraft(id, now, who, who.Event ?? ActionStateMachine.EventName(cur.State, to), cur.State, to, reason,
                ContentPin.Of(next), itemsPin);
            return new ActionUpdate<TransitionResult>(new TransitionResult(TransitionOutcome.Succeeded, next, to, id), next, audit);
        }, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- leases

    /// <inheritdoc/>
    public Task<LeaseResult> TryAcquireLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseAsync(actionId, owner, duration, acquire: true, cancellationToken);

    /// <inheritdoc/>
    public Task<LeaseResult> RenewLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseAsync(actionId, owner, duration, acquire: false, cancellationToken);

    private Task<LeaseResult> LeaseAsync(string actionId, string owner, TimeSpan duration, bool acquire, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "A lease must last a positive time.");
        EnsureOpen(ct);
        return backend.UpdateActionAsync(StoreChecks.Id(actionId), withCounts: false, (cur, _) =>
        {
            if (cur is null) return new ActionUpdate<LeaseResult>(new LeaseResult(false, null));
            var now = Clock.GetUtcNow();
            bool mine = string.Equals(cur.LeaseOwner, owner, StringComparison.Ordinal);
            if (!(acquire ? mine || !cur.IsLeaseLive(now) : mine)) return new ActionUpdate<LeaseResult>(new LeaseResult(false, cur));
            var next = cur with { LeaseOwner = owner, LeaseExpiresAt = now + duration, Version = cur.Version + 1 };
            return new ActionUpdate<LeaseResult>(new LeaseResult(true, next), next);
        }, ct);
    }

    /// <inheritdoc/>
    public Task<bool> ReleaseLeaseAsync(string actionId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        EnsureOpen(cancellationToken);
        return backend.UpdateActionAsync(StoreChecks.Id(actionId), withCounts: false, (cur, _) =>
            cur is null || !string.Equals(cur.LeaseOwner, owner, StringComparison.Ordinal)
                ? new ActionUpdate<bool>(false)
                : new ActionUpdate<bool>(true, cur with { LeaseOwner = null, LeaseExpiresAt = null, Version = cur.Version + 1 }), cancellationToken);
    }

    // ---------------------------------------------------------------- items

    /// <inheritdoc/>
    /// <remarks>Item data is not checked for secrets: it carries attacker-written text (a phishing subject may well say
    /// "Bearer …"), and the module never puts a credential there. Refusing it would let a sender stop its own remediation.</remarks>
    public async Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string actionId, IEnumerable<NewItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(items);
        string id = StoreChecks.Id(actionId);
        var list = items.ToList();
        foreach (var it in list)
        {
            if (string.IsNullOrEmpty(it.Key))
                throw new AirException(AirErrorKind.InvalidInput, $"An item of action {id} has no key; every item needs one (e.g. mailbox|internetMessageId or the URL).", id);
        }
        EnsureOpen(cancellationToken);
        // Keys repeated within one call are added once; every input still gets its record back.
        var unique = list.GroupBy(i => i.Key, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var added = await backend.AddItemsAsync(id, unique, Clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var byKey = added.ToDictionary(r => r.Key, StringComparer.Ordinal);
        return list.Select(i => byKey[i.Key]).ToList();
    }

    /// <inheritdoc/>
    public async Task<ItemRecord> UpdateItemAsync(string actionId, ItemUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return (await UpdateItemsAsync(actionId, [update], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string actionId, IReadOnlyList<ItemUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var u in updates) ArgumentNullException.ThrowIfNull(u);
        EnsureOpen(cancellationToken);
        return backend.UpdateItemsAsync(StoreChecks.Id(actionId), updates, Clock.GetUtcNow(), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ItemRecord?> GetItemAsync(string actionId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(key);
        EnsureOpen(cancellationToken);
        return backend.GetItemAsync(StoreChecks.Id(actionId), key, cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ItemRecord> GetItemsAsync(string actionId, ItemQuery? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        EnsureOpen(cancellationToken);
        return backend.GetItemsAsync(StoreChecks.Id(actionId), query ?? new ItemQuery(), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ItemCounts> GetItemCountsAsync(string actionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        EnsureOpen(cancellationToken);
        return backend.CountItemsAsync(StoreChecks.Id(actionId), cancellationToken);
    }

    // ---------------------------------------------------------------- audit

    /// <inheritdoc/>
    public Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        StoreChecks.ValidateWho(entry.Who);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Event);
        EnsureOpen(cancellationToken);
        string? id = entry.ActionId is null ? null : StoreChecks.Id(entry.ActionId);
        return backend.AppendAuditAsync(new AuditDraft(id, Clock.GetUtcNow(), entry.Who, entry.Event, null, null, entry.Who.Reason), cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId = null, CancellationToken cancellationToken = default)
    {
        EnsureOpen(cancellationToken);
        return backend.GetAuditAsync(actionId is null ? null : StoreChecks.Id(actionId), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AuditVerification> VerifyAuditTrailAsync(CancellationToken cancellationToken = default) =>
        VerifyAuditTrailAsync(null, cancellationToken);

    /// <inheritdoc/>
    public async Task<AuditVerification> VerifyAuditTrailAsync(string? expectedHead, CancellationToken cancellationToken = default)
    {
        var anchor = expectedHead is null ? ((long, string)?)null : AuditAnchor.Parse(expectedHead);
        EnsureOpen(cancellationToken);
        AuditChainVerifier? last = null;
        var result = await backend.VerifyAsync(() => last = new AuditChainVerifier(anchor), cancellationToken).ConfigureAwait(false);
        if (!result.IsValid || last is null) return result;
        // The items of every run that ended are hashed again and compared with the pin its last run's end wrote.
        foreach (var (actionId, seq, pin) in last.ItemPins)
        {
            var now = await ContentPin.OfItemsAsync(backend.GetItemsAsync(actionId, new ItemQuery(), cancellationToken), cancellationToken).ConfigureAwait(false);
            if (!string.Equals(now, pin, StringComparison.Ordinal))
                return result with
                {
                    IsValid = false,
                    Problem = AuditProblem.ContentMismatch,
                    BrokenSeq = seq,
                    BrokenActionId = actionId,
                    Message = $"The items of action {actionId} (its undo data) do not match what audit entry {seq} pinned when its run ended: they were changed outside AirRemediation.",
                };
        }
        return result;
    }

    // ---------------------------------------------------------------- settings

    /// <inheritdoc/>
    public Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        EnsureOpen(cancellationToken);
        return backend.GetSettingAsync(key, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen(cancellationToken);
        return backend.GetSettingsAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task SetSettingAsync(string key, string? value, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        StoreChecks.ValidateWho(who);
        SecretGuard.Ensure(value, $"value of setting {key}");
        EnsureOpen(cancellationToken);
        var now = Clock.GetUtcNow();
        return backend.SetSettingAsync(key, value, who.Actor, now, old =>
        {
            if (string.Equals(old, value, StringComparison.Ordinal)) return null;
            string change = $"{key}: {(old is null ? "(not set)" : "'" + old + "'")} -> {(value is null ? "(removed)" : "'" + value + "'")}";
            return new AuditDraft(null, now, who, who.Event ?? "SettingChanged", null, null, who.Reason is null ? change : change + "; " + who.Reason);
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- lifetime

    /// <summary>Waits for queued writes, then lets go of the storage.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        await backend.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
