using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AirRemediation.Engine.Actions;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using static AirRemediation.Engine.Store.TableEntityMap;

namespace AirRemediation.Engine.Store;

/// <summary>
/// The action store in Azure Table Storage, so a runbook and analysts on their workstations share one queue.
/// Two tables: <c>&lt;prefix&gt;queue</c> holds actions, the audit chain, its head, settings and the evidence index in one
/// partition, so a transition, its audit entry and the chain head change in one entity-group transaction with If-Match on
/// the action and the head (of racing writers on any machine exactly one wins; the loser re-reads and re-evaluates);
/// <c>&lt;prefix&gt;items</c> holds each action's item journal in a partition of its own. See docs/STORE.md.
/// </summary>
public sealed partial class TableActionStore : IActionStore
{
    private const int MaxItemsPerBatch = 49;      // 1 counter + 2 entities per item <= 100 operations
    private const int MaxUpdatesPerBatch = 100;
    private const int MaxConflictRetries = 2000;

    private readonly TableClient _queue;
    private readonly TableClient _items;
    private int _disposed;

    private TableActionStore(string location, TableClient queue, TableClient items, TimeProvider clock)
    {
        Location = location;
        _queue = queue;
        _items = items;
        Clock = clock;
    }

    /// <inheritdoc/>
    /// <remarks>The table service endpoint, without any key or SAS.</remarks>
    public string Location { get; }

    /// <inheritdoc/>
    public TimeProvider Clock { get; }

    internal TableClient QueueTable => _queue;

    internal TableClient ItemsTable => _items;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,50}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    /// <summary>
    /// Opens (and on first use creates) the store's tables. <see cref="TableStoreOptions.ConnectionString"/> (or an
    /// <see cref="TableStoreOptions.Endpoint"/> carrying a SAS) needs no credential. Throws AirException(StoreUnavailable)
    /// naming the endpoint when the service cannot be reached or refuses the identity, InvalidInput for bad options.
    /// </summary>
    public static Task<TableActionStore> OpenAsync(TableStoreOptions options, TimeProvider? clock = null, CancellationToken cancellationToken = default) =>
        OpenAsync(options, null, clock, cancellationToken);

    /// <summary>Opens the store at <see cref="TableStoreOptions.Endpoint"/> with a token credential (the session's sign-in).</summary>
    internal static async Task<TableActionStore> OpenAsync(TableStoreOptions options, TokenCredential? credential, TimeProvider? clock,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        clock ??= TimeProvider.System;
        if (!PrefixPattern().IsMatch(options.TablePrefix ?? ""))
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The table prefix '{options.TablePrefix}' is not valid: use letters and digits only, starting with a letter (at most 51 characters).");
        }
        var clientOptions = new TableClientOptions();
        clientOptions.Retry.MaxRetries = Math.Max(0, options.MaxRetries);
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);

        var service = CreateService(options, credential, clientOptions);
        string location = Redact(service.Uri);
        var store = new TableActionStore(location, service.GetTableClient(options.TablePrefix + "queue"),
            service.GetTableClient(options.TablePrefix + "items"), clock);
        await store.Guard(async () =>
        {
            await store._queue.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            await store._items.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            var v = await store._queue.GetEntityIfExistsAsync<TableEntity>(QueuePartition, VersionKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!v.HasValue)
            {
                try
                {
                    await store._queue.AddEntityAsync(new TableEntity(QueuePartition, VersionKey) { ["SchemaVersion"] = SchemaVersion }, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    // another session created it first
                }
            }
            else if ((v.Value!.GetInt32("SchemaVersion") ?? 0) > SchemaVersion)
            {
                throw new AirException(AirErrorKind.StoreUnavailable,
                    $"The action store at {location} was written by a newer version of AirRemediation (store schema {v.Value.GetInt32("SchemaVersion")}; this version understands {SchemaVersion}). Update the module.", location);
            }
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>The endpoint a store opened with <paramref name="options"/> would name (no key or SAS), without contacting it.
    /// Throws AirException(InvalidInput) for a malformed connection string.</summary>
    public static string DescribeLocation(TableStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Endpoint is { } e && string.IsNullOrEmpty(e.Query) && string.IsNullOrWhiteSpace(options.ConnectionString)
            ? Redact(e)
            : Redact(CreateService(options, null, new TableClientOptions()).Uri);
    }

    private static TableServiceClient CreateService(TableStoreOptions options, TokenCredential? credential, TableClientOptions clientOptions)
    {
        bool hasCs = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasCs == (options.Endpoint is not null))
        {
            throw new AirException(AirErrorKind.InvalidInput, "Give the Azure Table action store either an endpoint or a connection string, not both and not neither.");
        }
        try
        {
            if (hasCs)
            {
                string cs = options.ConnectionString!.Trim();
                return cs.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || cs.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                    ? new TableServiceClient(new Uri(cs), clientOptions)
                    : new TableServiceClient(cs, clientOptions);
            }
            if (!string.IsNullOrEmpty(options.Endpoint!.Query))
            {
                return new TableServiceClient(options.Endpoint, clientOptions); // a SAS URL
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // Never echo the string: it carries the account key or SAS.
            throw new AirException(AirErrorKind.InvalidInput,
                "The action store connection string is not valid. Give an Azure Storage connection string (with TableEndpoint or AccountName and AccountKey, or SharedAccessSignature) or a table service SAS URL.");
        }
        if (credential is null)
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The action store endpoint {Redact(options.Endpoint!)} needs a signed-in session (Connect-AirService -ActionStoreTableEndpoint) or a connection string.");
        }
        if (options.Endpoint!.Scheme != Uri.UriSchemeHttps)
        {
            throw new AirException(AirErrorKind.InvalidInput,
                $"The action store endpoint {Redact(options.Endpoint)} must be https: storage accepts a signed-in identity's token only over TLS. For the Azurite emulator use -ActionStoreConnectionString.",
                Redact(options.Endpoint));
        }
        return new TableServiceClient(options.Endpoint, credential, clientOptions);
    }

    private static string Redact(Uri uri) => new UriBuilder(uri) { Query = "", UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    // ---------------------------------------------------------------- plumbing

    private async Task<T> Guard<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ct.ThrowIfCancellationRequested();
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && TableErrors.IsStoreFailure(e))
        {
            throw TableErrors.Map(e, Location);
        }
    }

    private static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412;

    /// <summary>Waits a little before retrying an optimistic write another writer beat.</summary>
    private async Task Backoff(int attempt, CancellationToken ct)
    {
        if (attempt >= MaxConflictRetries)
        {
            throw new AirException(AirErrorKind.StoreUnavailable,
                $"The action store at {Location} is too busy: a write lost {attempt} races in a row to other sessions. Try again.", Location);
        }
        if (attempt > 0)
        {
            await Task.Delay(Random.Shared.Next(0, Math.Min(40, 2 + attempt * 2)), ct).ConfigureAwait(false);
        }
    }

    private async Task<TableEntity?> GetAsync(TableClient t, string pk, string rk, CancellationToken ct)
    {
        var r = await t.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? r.Value : null;
    }

    private Task<TableEntity?> GetActionEntity(string id, CancellationToken ct) => GetAsync(_queue, QueuePartition, ActionRow(id), ct);

    private async Task<ActionRecord?> ReadAction(string id, CancellationToken ct) =>
        await GetActionEntity(id, ct).ConfigureAwait(false) is { } e ? ToAction(e, Location) : null;

    private Task<TableEntity?> GetHead(CancellationToken ct) => GetAsync(_queue, QueuePartition, HeadKey, ct);

    /// <summary>The operations that append one audit entry and move the chain head, conditional on the head read before.</summary>
    private static AuditRecord ChainOps(List<TableTransactionAction> ops, TableEntity? head, DateTimeOffset now, string? actionId, string evt,
        AuditContext who, ActionState? from, ActionState? to, string? reason)
    {
        long lastSeq = head?.GetInt64("Seq") ?? 0;
        string prev = head?.GetString("Hash") ?? AuditChain.Genesis;
        var rec = AuditChain.Seal(new AuditRecord
        {
            Seq = lastSeq + 1,
            ActionId = actionId,
            At = now,
            Actor = who.Actor,
            ActorKind = who.ActorKind,
            SignIn = who.SignIn,
            Event = evt,
            FromState = from,
            ToState = to,
            Reason = reason,
            PrevHash = prev,
            Hash = "",
        });
        var newHead = new TableEntity(QueuePartition, HeadKey) { ["Seq"] = rec.Seq, ["Hash"] = rec.Hash };
        ops.Add(head is null
            ? new TableTransactionAction(TableTransactionActionType.Add, newHead)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, newHead, head.ETag));
        ops.Add(new TableTransactionAction(TableTransactionActionType.Add, ToEntity(rec)));
        return rec;
    }





    private static string ActionRange => $"PartitionKey eq '{QueuePartition}' and RowKey ge '{ActionPrefix}' and RowKey lt '{PrefixEnd(ActionPrefix)}'";

    // ---------------------------------------------------------------- actions

    /// <inheritdoc/>
    public Task<CreateActionResult> CreateActionAsync(NewAction action, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        StoreChecks.ValidateWho(who);
        ActionStateMachine.EnsureCreate(action.InitialState);
        SecretGuard.Ensure(action.ParametersJson, "action parameters", tokensOnly: true);
        SecretGuard.Ensure(action.Summary, "action summary", tokensOnly: true);
        SecretGuard.Ensure(action.ProposedBy, "proposer name");
        if (action.InitialState == ActionState.Running && action.Lease is null)
        {
            throw new AirException(AirErrorKind.InvalidInput, "An action created to run directly needs the lease of the session that runs it.");
        }
        StoreChecks.ValidateLease(action.Lease);
        string? related = action.RelatedActionId is null ? null : StoreChecks.Id(action.RelatedActionId);
        var ct = cancellationToken;

        return Guard(async () =>
        {
            for (int attempt = 0; ; attempt++)
            {
                await Backoff(attempt, ct).ConfigureAwait(false);
                // The head is read first: any write that commits after this moves it, so the checks below stay true
                // exactly as long as the head-conditional batch succeeds.
                var head = await GetHead(ct).ConfigureAwait(false);
                if (action.EvidenceKey is not null && await FindEvidence(action.EvidenceKey, ct).ConfigureAwait(false) is { } byEvidence)
                {
                    return new CreateActionResult(byEvidence, false, "EvidenceKey");
                }
                if (action.DedupeKey is not null && action.DedupeSince is { } since &&
                    await FindDedupe(action.DedupeKey, since, ct).ConfigureAwait(false) is { } byDedupe)
                {
                    return new CreateActionResult(byDedupe, false, "DedupeKey");
                }
                if (related is not null && await GetActionEntity(related, ct).ConfigureAwait(false) is null)
                {
                    throw new AirException(AirErrorKind.NotFound, $"No action with id {related} exists in the action store.", related);
                }
                var now = Clock.GetUtcNow();
                var lease = action.InitialState == ActionState.Running ? action.Lease : null;
                var rec = new ActionRecord
                {
                    Id = ActionId.New(),
                    Kind = action.Kind,
                    State = action.InitialState,
                    CreatedAt = now,
                    UpdatedAt = now,
                    ProposedBy = action.ProposedBy ?? who.Actor,
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
                var ops = new List<TableTransactionAction> { new(TableTransactionActionType.Add, ToEntity(rec)) };
                if (rec.EvidenceKey is not null)
                {
                    // The evidence index entity makes "never queued twice" hold even without the head: a second insert gets 409.
                    ops.Add(new TableTransactionAction(TableTransactionActionType.Add,
                        new TableEntity(QueuePartition, EvidenceRow(rec.EvidenceKey)) { ["ActionId"] = rec.Id, ["EvidenceKey"] = rec.EvidenceKey }));
                }
                ChainOps(ops, head, now, rec.Id, who.Event ?? ActionStateMachine.CreateEventName(rec.State), who, null, rec.State, who.Reason);
                try
                {
                    await _queue.SubmitTransactionAsync(ops, ct).ConfigureAwait(false);
                    return new CreateActionResult(rec, true, null);
                }
                catch (RequestFailedException e) when (IsConflict(e))
                {
                    // Someone else wrote first (or the id collided): re-read and re-evaluate.
                }
            }
        }, ct);
    }

    private async Task<ActionRecord?> FindEvidence(string evidenceKey, CancellationToken ct)
    {
        var idx = await GetAsync(_queue, QueuePartition, EvidenceRow(evidenceKey), ct).ConfigureAwait(false);
        return idx?.GetString("ActionId") is { } id ? await ReadAction(id, ct).ConfigureAwait(false) : null;
    }

    private async Task<ActionRecord?> FindDedupe(string dedupeKey, DateTimeOffset since, CancellationToken ct)
    {
        string filter = ActionRange + " and " + TableClient.CreateQueryFilter($"DedupeKey eq {dedupeKey} and CreatedTicks ge {since.UtcTicks}");
        ActionRecord? best = null;
        await foreach (var e in _queue.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            var a = ToAction(e, Location);
            if (best is null || a.CreatedAt > best.CreatedAt || (a.CreatedAt == best.CreatedAt && string.CompareOrdinal(a.Id, best.Id) > 0))
            {
                best = a;
            }
        }
        return best;
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> GetActionAsync(string actionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        return Guard(() => ReadAction(StoreChecks.Id(actionId), cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> FindByDedupeKeyAsync(string dedupeKey, DateTimeOffset createdSince, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dedupeKey);
        return Guard(() => FindDedupe(dedupeKey, createdSince, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ActionRecord?> FindByEvidenceKeyAsync(string evidenceKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(evidenceKey);
        return Guard(() => FindEvidence(evidenceKey, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Tables return entities in key order, not by time: the matching actions are fetched page by page with the
    /// filter applied by the service (state, kind, id prefix, investigation, related action, creation window), then ordered
    /// newest first here. Memory grows with the number of matches, not with the queue.</remarks>
    public async IAsyncEnumerable<ActionRecord> QueryActionsAsync(ActionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new List<string>();
        if (!string.IsNullOrEmpty(query.IdPrefix))
        {
            string p = ActionPrefix + StoreChecks.NormalizePrefix(query.IdPrefix);
            filter.Add(TableClient.CreateQueryFilter($"PartitionKey eq {QueuePartition} and RowKey ge {p} and RowKey lt {p + "~"}"));
        }
        else
        {
            filter.Add(ActionRange);
        }
        if (query.States is { Count: > 0 })
        {
            filter.Add("(" + string.Join(" or ", query.States.Select(s => TableClient.CreateQueryFilter($"State eq {s.ToString()}"))) + ")");
        }
        if (query.Kind is { } k) { filter.Add(TableClient.CreateQueryFilter($"Kind eq {k.ToString()}")); }
        if (query.InvestigationId is not null) { filter.Add(TableClient.CreateQueryFilter($"InvestigationId eq {query.InvestigationId}")); }
        if (query.RelatedActionId is not null) { filter.Add(TableClient.CreateQueryFilter($"RelatedActionId eq {StoreChecks.Id(query.RelatedActionId)}")); }
        if (query.CreatedSince is { } since) { filter.Add(TableClient.CreateQueryFilter($"CreatedTicks ge {since.UtcTicks}")); }
        if (query.CreatedUntil is { } until) { filter.Add(TableClient.CreateQueryFilter($"CreatedTicks lt {until.UtcTicks}")); }
        string f = string.Join(" and ", filter);
        int pageSize = Math.Clamp(query.PageSize, 1, 1000);

        var found = await Guard(async () =>
        {
            var list = new List<ActionRecord>();
            await foreach (var e in _queue.QueryAsync<TableEntity>(f, pageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var a = ToAction(e, Location);
                if (query.ProposedBy is null || string.Equals(a.ProposedBy, query.ProposedBy, StringComparison.OrdinalIgnoreCase))
                {
                    list.Add(a);
                }
            }
            list.Sort((x, y) => x.CreatedAt != y.CreatedAt ? y.CreatedAt.CompareTo(x.CreatedAt) : string.CompareOrdinal(y.Id, x.Id));
            return list;
        }, cancellationToken).ConfigureAwait(false);
        long remaining = query.Limit ?? long.MaxValue;
        foreach (var a in found)
        {
            if (remaining-- <= 0)
            {
                yield break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            yield return a;
        }
    }

    /// <inheritdoc/>
    public Task<TransitionResult> TryTransitionAsync(string actionId, IReadOnlyCollection<ActionState> expectedFrom, ActionState to,
        AuditContext who, ActionChanges? changes = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(expectedFrom);
        StoreChecks.ValidateWho(who);
        SecretGuard.Ensure(changes?.Summary, "action summary", tokensOnly: true);
        string id = StoreChecks.Id(actionId);
        if (expectedFrom.Count == 0)
        {
            throw new ArgumentException("At least one expected state is required.", nameof(expectedFrom));
        }
        foreach (var from in expectedFrom)
        {
            ActionStateMachine.EnsureTransition(from, to, id);
        }
        changes ??= new ActionChanges();
        if (to == ActionState.Running && changes.Lease is null)
        {
            throw new AirException(AirErrorKind.InvalidInput, $"Action {id} can only be run under a lease; pass the session's lease.", id);
        }
        StoreChecks.ValidateLease(changes.Lease);
        var ct = cancellationToken;

        return Guard(async () =>
        {
            for (int attempt = 0; ; attempt++)
            {
                await Backoff(attempt, ct).ConfigureAwait(false);
                var entity = await GetActionEntity(id, ct).ConfigureAwait(false);
                if (entity is null)
                {
                    return new TransitionResult(TransitionOutcome.NotFound, null, to, id);
                }
                var now = Clock.GetUtcNow();
                var cur = ToAction(entity, Location);
                if (StoreChecks.Refusal(cur, expectedFrom, to, changes, who, now, id, out var reason) is { } refused)
                {
                    return refused;
                }
                var counts = await CountItems(id, ct).ConfigureAwait(false);
                var head = await GetHead(ct).ConfigureAwait(false);
                bool decision = cur.State == ActionState.Pending;
                bool byPerson = decision && to is ActionState.Approved or ActionState.Denied;
                var next = cur with
                {
                    State = to,
                    UpdatedAt = now,
                    ApprovedBy = changes.ApprovedBy ?? (byPerson ? who.Actor : cur.ApprovedBy),
                    DecidedAt = changes.DecidedAt ?? (decision ? now : cur.DecidedAt),
                    Summary = changes.Summary ?? cur.Summary,
                    Counts = counts,
                    LeaseOwner = to == ActionState.Running ? changes.Lease!.Owner : null,
                    LeaseExpiresAt = to == ActionState.Running ? now + changes.Lease!.Duration : null,
                    Version = cur.Version + 1,
                };
                var ops = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, ToEntity(next), entity.ETag) };
                ChainOps(ops, head, now, id, who.Event ?? ActionStateMachine.EventName(cur.State, to), who, cur.State, to, reason);
                try
                {
                    await _queue.SubmitTransactionAsync(ops, ct).ConfigureAwait(false);
                    return new TransitionResult(TransitionOutcome.Succeeded, next, to, id);
                }
                catch (RequestFailedException e) when (IsConflict(e))
                {
                    // The action or the chain moved: re-read and re-evaluate (the next round may report the loss).
                }
            }
        }, ct);
    }

    // ---------------------------------------------------------------- leases

    /// <inheritdoc/>
    public Task<LeaseResult> TryAcquireLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseWriteAsync(actionId, owner, duration, acquire: true, cancellationToken);

    /// <inheritdoc/>
    public Task<LeaseResult> RenewLeaseAsync(string actionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default) =>
        LeaseWriteAsync(actionId, owner, duration, acquire: false, cancellationToken);

    private Task<LeaseResult> LeaseWriteAsync(string actionId, string owner, TimeSpan duration, bool acquire, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "A lease must last a positive time.");
        }
        string id = StoreChecks.Id(actionId);
        return Guard(async () =>
        {
            for (int attempt = 0; ; attempt++)
            {
                await Backoff(attempt, ct).ConfigureAwait(false);
                var entity = await GetActionEntity(id, ct).ConfigureAwait(false);
                if (entity is null)
                {
                    return new LeaseResult(false, null);
                }
                var now = Clock.GetUtcNow();
                var cur = ToAction(entity, Location);
                bool mine = string.Equals(cur.LeaseOwner, owner, StringComparison.Ordinal);
                if (!(acquire ? (mine || !cur.IsLeaseLive(now)) : mine))
                {
                    return new LeaseResult(false, cur);
                }
                var next = cur with { LeaseOwner = owner, LeaseExpiresAt = now + duration, Version = cur.Version + 1 };
                try
                {
                    await _queue.UpdateEntityAsync(ToEntity(next), entity.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                    return new LeaseResult(true, next);
                }
                catch (RequestFailedException e) when (IsConflict(e))
                {
                }
            }
        }, ct);
    }

    /// <inheritdoc/>
    public Task<bool> ReleaseLeaseAsync(string actionId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        string id = StoreChecks.Id(actionId);
        var ct = cancellationToken;
        return Guard(async () =>
        {
            for (int attempt = 0; ; attempt++)
            {
                await Backoff(attempt, ct).ConfigureAwait(false);
                var entity = await GetActionEntity(id, ct).ConfigureAwait(false);
                if (entity is null)
                {
                    return false;
                }
                var cur = ToAction(entity, Location);
                if (!string.Equals(cur.LeaseOwner, owner, StringComparison.Ordinal))
                {
                    return false;
                }
                var next = cur with { LeaseOwner = null, LeaseExpiresAt = null, Version = cur.Version + 1 };
                try
                {
                    await _queue.UpdateEntityAsync(ToEntity(next), entity.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                    return true;
                }
                catch (RequestFailedException e) when (IsConflict(e))
                {
                }
            }
        }, ct);
    }

    // ---------------------------------------------------------------- items

    /// <inheritdoc/>
    /// <remarks>Items are written in entity-group transactions of up to 49 items: each item entity, its key-index entity
    /// (<c>K|sha256(key)</c>; a key added before gets 409 and the existing item is returned) and the partition's seq counter
    /// (If-Match), so two sessions adding to the same action never allocate the same Seq or add a key twice.</remarks>
    public Task<IReadOnlyList<ItemRecord>> AddItemsAsync(string actionId, IEnumerable<NewItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(items);
        string id = StoreChecks.Id(actionId);
        var list = items.ToList();
        foreach (var it in list)
        {
            if (string.IsNullOrEmpty(it.Key))
            {
                throw new AirException(AirErrorKind.InvalidInput, $"An item of action {id} has no key; every item needs one (e.g. mailbox|internetMessageId or the URL).", id);
            }
            SecretGuard.Ensure(it.DataJson, "item data", tokensOnly: true);
            SecretGuard.Ensure(it.Reason, "item reason", tokensOnly: true);
        }
        var ct = cancellationToken;
        return Guard<IReadOnlyList<ItemRecord>>(async () =>
        {
            if (await GetActionEntity(id, ct).ConfigureAwait(false) is null)
            {
                throw new AirException(AirErrorKind.NotFound, $"No action with id {id} exists in the action store.", id);
            }
            var byKey = new Dictionary<string, ItemRecord>(StringComparer.Ordinal);
            var unique = list.Select(i => i.Key).Distinct(StringComparer.Ordinal).ToList();
            var firstOf = new Dictionary<string, NewItem>(StringComparer.Ordinal);
            foreach (var it in list)
            {
                firstOf.TryAdd(it.Key, it);
            }
            for (int start = 0; start < unique.Count; start += MaxItemsPerBatch)
            {
                var chunk = unique.GetRange(start, Math.Min(MaxItemsPerBatch, unique.Count - start));
                await AddChunk(id, chunk, firstOf, byKey, ct).ConfigureAwait(false);
            }
            return list.Select(i => byKey[i.Key]).ToList();
        }, ct);
    }

    private async Task AddChunk(string id, List<string> keys, Dictionary<string, NewItem> firstOf, Dictionary<string, ItemRecord> byKey, CancellationToken ct)
    {
        var pending = new List<string>(keys);
        for (int attempt = 0; pending.Count > 0; attempt++)
        {
            await Backoff(attempt, ct).ConfigureAwait(false);
            var counter = await GetAsync(_items, id, ItemCounterKey, ct).ConfigureAwait(false);
            long nextSeq = counter?.GetInt64("Next") ?? 1;
            var now = Clock.GetUtcNow();
            var newCounter = new TableEntity(id, ItemCounterKey) { ["Next"] = nextSeq + pending.Count };
            var ops = new List<TableTransactionAction>(1 + 2 * pending.Count)
            {
                counter is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, newCounter)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, newCounter, counter.ETag),
            };
            var records = new List<ItemRecord>(pending.Count);
            foreach (var key in pending)
            {
                var it = firstOf[key];
                var rec = new ItemRecord
                {
                    ActionId = id, Seq = nextSeq++, Key = key, Target = it.Target, State = it.State, Reason = it.Reason,
                    Attempts = 0, DataJson = it.DataJson, UpdatedAt = now,
                };
                records.Add(rec);
                ops.Add(new TableTransactionAction(TableTransactionActionType.Add, ToEntity(rec)));
                ops.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(id, ItemKeyRow(key)) { ["Seq"] = rec.Seq }));
            }
            try
            {
                await _items.SubmitTransactionAsync(ops, ct).ConfigureAwait(false);
                foreach (var r in records)
                {
                    byKey[r.Key] = r;
                }
                return;
            }
            catch (RequestFailedException e) when (IsConflict(e))
            {
                // A key that exists already, or another writer moved the counter: take out the keys that exist, retry the rest.
                int? failed = (e as TableTransactionFailedException)?.FailedTransactionActionIndex;
                var suspects = failed is int f && f > 0 && f % 2 == 0 ? [pending[(f - 2) / 2]] : e.Status == 409 ? pending.ToList() : [];
                foreach (var key in suspects)
                {
                    if (await ReadItemByKey(id, key, ct).ConfigureAwait(false) is { } existing)
                    {
                        byKey[key] = existing;
                        pending.Remove(key);
                    }
                }
            }
        }
    }

    private async Task<ItemRecord?> ReadItemByKey(string id, string key, CancellationToken ct)
    {
        var idx = await GetAsync(_items, id, ItemKeyRow(key), ct).ConfigureAwait(false);
        if (idx?.GetInt64("Seq") is not { } seq)
        {
            return null;
        }
        var e = await GetAsync(_items, id, ItemRow(seq), ct).ConfigureAwait(false);
        return e is null ? null : ToItem(e, Location);
    }

    /// <inheritdoc/>
    public async Task<ItemRecord> UpdateItemAsync(string actionId, ItemUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return (await UpdateItemsAsync(actionId, [update], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <inheritdoc/>
    /// <remarks>Up to 100 updates per entity-group transaction, each conditional on the item's ETag (a concurrent update of the
    /// same item makes the batch re-read and re-apply). A LeaseOwner is checked against the action before each batch: the
    /// action and its items live in different partitions, so a lost lease is noticed at the next batch at the latest; the
    /// executor's final transition (ExpectedLeaseOwner) is atomic.</remarks>
    public Task<IReadOnlyList<ItemRecord>> UpdateItemsAsync(string actionId, IReadOnlyList<ItemUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(updates);
        string id = StoreChecks.Id(actionId);
        foreach (var u in updates)
        {
            ArgumentNullException.ThrowIfNull(u);
            SecretGuard.Ensure(u.Reason, "item reason", tokensOnly: true);
            SecretGuard.Ensure(u.DataJson, "item data", tokensOnly: true);
            SecretGuard.Ensure(u.BeforeJson, "item before-state", tokensOnly: true);
            SecretGuard.Ensure(u.AfterJson, "item after-state", tokensOnly: true);
        }
        var ct = cancellationToken;
        return Guard<IReadOnlyList<ItemRecord>>(async () =>
        {
            var result = new List<ItemRecord>(updates.Count);
            var chunk = new List<ItemUpdate>();
            var seqs = new HashSet<long>();
            foreach (var u in updates)
            {
                if (chunk.Count == MaxUpdatesPerBatch || !seqs.Add(u.Seq))
                {
                    result.AddRange(await UpdateChunk(id, chunk, ct).ConfigureAwait(false));
                    chunk.Clear();
                    seqs.Clear();
                    seqs.Add(u.Seq);
                }
                chunk.Add(u);
            }
            if (chunk.Count > 0)
            {
                result.AddRange(await UpdateChunk(id, chunk, ct).ConfigureAwait(false));
            }
            return result;
        }, ct);
    }

    private async Task<List<ItemRecord>> UpdateChunk(string id, List<ItemUpdate> chunk, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            await Backoff(attempt, ct).ConfigureAwait(false);
            var entities = await Task.WhenAll(chunk.Select(u => GetAsync(_items, id, ItemRow(u.Seq), ct))).ConfigureAwait(false);
            for (int i = 0; i < chunk.Count; i++)
            {
                if (entities[i] is null)
                {
                    throw new AirException(AirErrorKind.NotFound, $"Action {id} has no item {chunk[i].Seq}.", id);
                }
            }
            var owners = chunk.Select(u => u.LeaseOwner).Where(o => o is not null).Distinct(StringComparer.Ordinal).ToList();
            if (owners.Count > 0)
            {
                var action = await ReadAction(id, ct).ConfigureAwait(false);
                foreach (var owner in owners)
                {
                    if (!string.Equals(action?.LeaseOwner, owner, StringComparison.Ordinal))
                    {
                        throw new AirException(AirErrorKind.Conflict,
                            $"Action {id} was taken over by another session; this session ({owner}) no longer holds its lease and stopped.", id);
                    }
                }
            }
            var now = Clock.GetUtcNow();
            var next = new List<ItemRecord>(chunk.Count);
            var ops = new List<TableTransactionAction>(chunk.Count);
            for (int i = 0; i < chunk.Count; i++)
            {
                var u = chunk[i];
                var cur = ToItem(entities[i]!, Location);
                var rec = cur with
                {
                    State = u.State,
                    Reason = u.Reason,
                    Attempts = cur.Attempts + (u.IncrementAttempts ? 1 : 0),
                    DataJson = u.DataJson ?? cur.DataJson,
                    BeforeJson = u.BeforeJson ?? cur.BeforeJson,
                    AfterJson = u.AfterJson ?? cur.AfterJson,
                    UpdatedAt = now,
                };
                next.Add(rec);
                ops.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(rec), entities[i]!.ETag));
            }
            try
            {
                if (ops.Count == 1)
                {
                    await _items.UpdateEntityAsync(ops[0].Entity, ops[0].ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                }
                else
                {
                    await _items.SubmitTransactionAsync(ops, ct).ConfigureAwait(false);
                }
                return next;
            }
            catch (RequestFailedException e) when (IsConflict(e))
            {
            }
        }
    }

    /// <inheritdoc/>
    public Task<ItemRecord?> GetItemAsync(string actionId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentNullException.ThrowIfNull(key);
        return Guard(() => ReadItemByKey(StoreChecks.Id(actionId), key, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ItemRecord> GetItemsAsync(string actionId, ItemQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        query ??= new ItemQuery();
        string id = StoreChecks.Id(actionId);
        int pageSize = Math.Clamp(query.PageSize, 1, 1000);
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {ItemRow(query.AfterSeq)} and RowKey lt {PrefixEnd(ItemPrefix)}");
        if (query.States is { Count: > 0 })
        {
            filter += " and (" + string.Join(" or ", query.States.Select(s => TableClient.CreateQueryFilter($"State eq {s.ToString()}"))) + ")";
        }
        string? continuation = null;
        do
        {
            var (page, next) = await Guard(async () =>
            {
                await foreach (var p in _items.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                    .AsPages(continuation, pageSize).ConfigureAwait(false))
                {
                    return (p.Values.Select(e => ToItem(e, Location)).ToList(), p.ContinuationToken);
                }
                return (new List<ItemRecord>(), (string?)null);
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page)
            {
                yield return item;
            }
            continuation = next;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    /// <inheritdoc/>
    public Task<ItemCounts> GetItemCountsAsync(string actionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        return Guard(() => CountItems(StoreChecks.Id(actionId), cancellationToken), cancellationToken);
    }

    private async Task<ItemCounts> CountItems(string id, CancellationToken ct)
    {
        var n = new long[6];
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey gt {ItemPrefix} and RowKey lt {PrefixEnd(ItemPrefix)}");
        await foreach (var e in _items.QueryAsync<TableEntity>(filter, 1000, ["State"], ct).ConfigureAwait(false))
        {
            if (Enum.TryParse<ItemState>(e.GetString("State"), out var s) && (int)s is >= 0 and < 6)
            {
                n[(int)s]++;
            }
        }
        return new ItemCounts(n[0], n[1], n[2], n[3], n[4], n[5]);
    }

    // ---------------------------------------------------------------- audit

    /// <inheritdoc/>
    public Task<AuditRecord> AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        StoreChecks.ValidateWho(entry.Who);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Event);
        string? id = entry.ActionId is null ? null : StoreChecks.Id(entry.ActionId);
        var ct = cancellationToken;
        return Guard(async () =>
        {
            for (int attempt = 0; ; attempt++)
            {
                await Backoff(attempt, ct).ConfigureAwait(false);
                var head = await GetHead(ct).ConfigureAwait(false);
                var ops = new List<TableTransactionAction>(2);
                var rec = ChainOps(ops, head, Clock.GetUtcNow(), id, entry.Event, entry.Who, null, null, entry.Who.Reason);
                try
                {
                    await _queue.SubmitTransactionAsync(ops, ct).ConfigureAwait(false);
                    return rec;
                }
                catch (RequestFailedException e) when (IsConflict(e))
                {
                    // Another process appended first: link to its entry instead (the chain never forks).
                }
            }
        }, ct);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditRecord> GetAuditAsync(string? actionId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string filter = $"PartitionKey eq '{QueuePartition}' and RowKey gt '{AuditPrefix}' and RowKey lt '{PrefixEnd(AuditPrefix)}'";
        if (actionId is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"ActionId eq {StoreChecks.Id(actionId)}");
        }
        string? continuation = null;
        do
        {
            var (page, next) = await Guard(async () =>
            {
                await foreach (var p in _queue.QueryAsync<TableEntity>(filter, 1000, cancellationToken: cancellationToken)
                    .AsPages(continuation, 1000).ConfigureAwait(false))
                {
                    return (p.Values.Select(ToAudit).ToList(), p.ContinuationToken);
                }
                return (new List<AuditRecord>(), (string?)null);
            }, cancellationToken).ConfigureAwait(false);
            foreach (var r in page)
            {
                yield return r;
            }
            continuation = next;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    /// <inheritdoc/>
    /// <remarks>Tables have no snapshots: the trail is read, then the actions. A transition committed in between can make an
    /// action look ahead of its trail, so a state mismatch is re-checked with a fresh read (up to three times) before it is reported.</remarks>
    public Task<AuditVerification> VerifyAuditTrailAsync(CancellationToken cancellationToken = default) => Guard(async () =>
    {
        AuditVerification result = null!;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            result = await VerifyOnce(cancellationToken).ConfigureAwait(false);
            if (result.IsValid || result.Problem != AuditProblem.ActionStateMismatch)
            {
                return result;
            }
            await Task.Delay(50 * (attempt + 1), cancellationToken).ConfigureAwait(false);
        }
        return result;
    }, cancellationToken);

    private async Task<AuditVerification> VerifyOnce(CancellationToken ct)
    {
        var v = new AuditChainVerifier();
        await foreach (var r in GetAuditAsync(null, ct).ConfigureAwait(false))
        {
            if (!v.Add(r))
            {
                return v.Result();
            }
        }
        await foreach (var e in _queue.QueryAsync<TableEntity>(ActionRange, 1000, cancellationToken: ct).ConfigureAwait(false))
        {
            ActionRecord a;
            try
            {
                a = ToAction(e, Location);
            }
            catch (AirException)
            {
                string aid = e.GetString("Id") ?? e.RowKey;
                return new AuditVerification
                {
                    IsValid = false, Count = v.Result().Count, Problem = AuditProblem.ActionStateMismatch, BrokenActionId = aid,
                    Message = $"Action {aid} holds a state or kind AirRemediation never writes ('{e.GetString("State")}'): it was changed outside AirRemediation.",
                };
            }
            if (!v.Check(a))
            {
                break;
            }
        }
        return v.Result();
    }

    // ---------------------------------------------------------------- settings

    /// <inheritdoc/>
    public Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Guard(async () => (await GetAsync(_queue, QueuePartition, SettingRow(key), cancellationToken).ConfigureAwait(false))?.GetString("Value"),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, string>> GetSettingsAsync(CancellationToken cancellationToken = default) => Guard<IReadOnlyDictionary<string, string>>(async () =>
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string filter = $"PartitionKey eq '{QueuePartition}' and RowKey ge '{SettingPrefix}' and RowKey lt '{PrefixEnd(SettingPrefix)}'";
        await foreach (var e in _queue.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.GetString("Key") is { } k && e.GetString("Value") is { } v)
            {
                d[k] = v;
            }
        }
        return d;
    }, cancellationToken);

    /// <inheritdoc/>
    public Task SetSettingAsync(string key, string? value, AuditContext who, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        StoreChecks.ValidateWho(who);
        SecretGuard.Ensure(value, $"value of setting {key}");
        var ct = cancellationToken;
        return Guard(async () =>
        {
            for (int attempt = 0; ; attempt++)
            {
                await Backoff(attempt, ct).ConfigureAwait(false);
                var head = await GetHead(ct).ConfigureAwait(false);
                var current = await GetAsync(_queue, QueuePartition, SettingRow(key), ct).ConfigureAwait(false);
                string? old = current?.GetString("Value");
                if (string.Equals(old, value, StringComparison.Ordinal))
                {
                    return 0;
                }
                var now = Clock.GetUtcNow();
                var ops = new List<TableTransactionAction>(3);
                if (value is null)
                {
                    ops.Add(new TableTransactionAction(TableTransactionActionType.Delete, current!, current!.ETag));
                }
                else
                {
                    var e = new TableEntity(QueuePartition, SettingRow(key))
                    {
                        ["Key"] = key, ["Value"] = value, ["UpdatedTicks"] = now.UtcTicks, ["UpdatedBy"] = who.Actor,
                    };
                    ops.Add(current is null
                        ? new TableTransactionAction(TableTransactionActionType.Add, e)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, e, current.ETag));
                }
                string change = $"{key}: {(old is null ? "(not set)" : "'" + old + "'")} -> {(value is null ? "(removed)" : "'" + value + "'")}";
                ChainOps(ops, head, now, null, who.Event ?? "SettingChanged", who, null, null, who.Reason is null ? change : change + "; " + who.Reason);
                try
                {
                    await _queue.SubmitTransactionAsync(ops, ct).ConfigureAwait(false);
                    return 1;
                }
                catch (RequestFailedException e) when (IsConflict(e))
                {
                }
            }
        }, ct);
    }

    // ---------------------------------------------------------------- lifetime

    /// <summary>The service clients hold no connections of their own; this only stops further use.</summary>
    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }
}
