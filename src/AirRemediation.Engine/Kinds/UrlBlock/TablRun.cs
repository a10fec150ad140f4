using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>
/// Applies journaled URL items to the Tenant Allow/Block List, driven by each item's <see cref="UrlOp"/>: adds (block),
/// removes (unblock, undo of a block), expiry changes (block -UpdateExpiry, its undo) and re-adds (undo of an unblock).
/// Every batch starts from a fresh read of the list, so an item an interrupted run had started is confirmed by what the
/// list now holds instead of being sent again. Adds and removes go in batches (-OutputJson gives one result per entry).
/// </summary>
internal class TablRun(RunContext run, TablAddOptions add) : KindRun(run)
{
    public const int BatchSize = 20;

    private readonly TablApi tabl = new(new ExchangeAdminClient(run.Session, run.Caller));
    private IReadOnlyList<UrlBlockEntry>? snapshot;
    private bool limitReached;
    private string? limitMessage;

    protected TablApi Tabl => tabl;

    public override bool LimitReached => limitReached;
    public override string? Note => limitMessage;

    private DateTimeOffset Now => Run.Clock.GetUtcNow();

    /// <summary>The list as read for the items about to be applied (discovery may have just read it).</summary>
    protected void UseSnapshot(IReadOnlyList<UrlBlockEntry> entries) => snapshot = entries;

    /// <summary>The list, or the error that says why it could not be read.</summary>
    protected async Task<(IReadOnlyList<UrlBlockEntry>? Entries, AirException? Error)> ReadListAsync(CancellationToken ct)
    {
        try
        {
            return (await tabl.ListAsync(ct).ConfigureAwait(false), null);
        }
        catch (ServiceCallException e)
        {
            return (null, UrlBlockErrors.List(e));
        }
    }

    private static readonly HashSet<UrlOp> UndoOps = [UrlOp.UndoRemove, UrlOp.UndoSet, UrlOp.UndoAdd];

    /// <summary>The operations this run may carry out: an undo's reversals here; a block's or an unblock's own in those runs.</summary>
    protected virtual IReadOnlySet<UrlOp> Ops => UndoOps;

    public override async Task ApplyAsync(IReadOnlyList<ItemRecord> items, CancellationToken ct)
    {
        var open = new List<(ItemRecord Item, UrlItemData Data)>();
        foreach (var i in items)
        {
            var data = UrlItemData.FromJson(i.DataJson);
            // A journaled item whose operation is not one of this action's (a "remove" in a block, say) was not written
            // by this module: it is refused, never carried out.
            if (Ops.Contains(data.Op)) open.Add((i, data));
            else await FinishAsync(i, data, ItemState.Failed, UrlOutcome.Failed,
                $"The journal asks for '{data.Op}', which is not an operation of this action: it was changed outside AirRemediation and is not carried out.", AirErrorKind.Tampered).ConfigureAwait(false);
        }
        var existing = snapshot;
        snapshot = null;
        if (existing is null)
        {
            var (entries, error) = await ReadListAsync(ct).ConfigureAwait(false);
            if (error is not null)
            {
                foreach (var (item, data) in open)
                    await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, error.Message, error.Kind).ConfigureAwait(false);
                return;
            }
            existing = entries!;
        }
        var byValue = existing.GroupBy(e => e.Value, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var byId = existing.ToDictionary(e => e.Id, StringComparer.Ordinal);
        await AddPhaseAsync([.. open.Where(o => o.Data.Op == UrlOp.Add)], byValue, ct).ConfigureAwait(false);
        await RemovePhaseAsync([.. open.Where(o => o.Data.Op is UrlOp.Remove or UrlOp.UndoRemove)], byId, ct).ConfigureAwait(false);
        foreach (var (item, data) in open.Where(o => o.Data.Op is UrlOp.UndoSet or UrlOp.Update))
            await SetBackAsync(item, data, byId, ct).ConfigureAwait(false);
        foreach (var (item, data) in open.Where(o => o.Data.Op == UrlOp.UndoAdd))
            await ReAddAsync(item, data, byValue, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- add (block)

    private async Task AddPhaseAsync(List<(ItemRecord Item, UrlItemData Data)> items, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        var toAdd = new List<(ItemRecord Item, UrlItemData Data)>();
        foreach (var (item, data) in items)
        {
            if (!existing.TryGetValue(data.Value, out var e))
                toAdd.Add((item, data));
            else if (item.State == ItemState.InProgress)
                // The add was sent before the run was interrupted and the entry is there: it is ours.
                await FinishAsync(item, data with { Id = e.Id }, ItemState.Done, UrlOutcome.Blocked, "Blocked (confirmed after an interrupted run).", null, e,
                    after: UrlItemData.From(e, UrlOp.Add)).ConfigureAwait(false);
            else if (add.UpdateExpiry)
                await UpdateExpiryAsync(item, data, e, ct).ConfigureAwait(false);
            else
                await FinishAsync(item, data with { Id = e.Id }, ItemState.Already, UrlOutcome.AlreadyBlocked,
                    $"Already blocked ({Expiry(e.ExpiresOn)}); -UpdateExpiry changes its expiry.", null, e).ConfigureAwait(false);
        }
        foreach (var chunk in toAdd.Chunk(BatchSize))
        {
            if (limitReached)
            {
                foreach (var (item, data) in chunk)
                    await FinishAsync(item, data, ItemState.Failed, UrlOutcome.LimitReached, "Not sent: " + limitMessage, AirErrorKind.LimitReached).ConfigureAwait(false);
                continue;
            }
            await AddBatchAsync(chunk, ct).ConfigureAwait(false);
        }
    }

    private async Task AddBatchAsync((ItemRecord Item, UrlItemData Data)[] chunk, CancellationToken ct)
    {
        await Run.StartAsync(chunk.Select(c => c.Item), ct).ConfigureAwait(false);
        var values = chunk.Select(c => c.Data.Value).ToList();
        ExchangeResult result;
        try
        {
            result = await tabl.AddAsync(values, add.ExpiresOn, add.NoExpiration, add.Note, ct,
                verify: async t =>
                {
                    // A 5xx/timeout may have added them: if every entry is there now, that is the answer.
                    var now = await tabl.ListAsync(t).ConfigureAwait(false);
                    var hits = now.Where(e => values.Contains(e.Value, StringComparer.OrdinalIgnoreCase)).ToList();
                    return hits.Count == values.Count ? new ExchangeResult([.. hits.Select(h => Json(h, "New"))], []) : null;
                }).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            var limit = UrlBlockErrors.IsLimit(e);
            if (limit)
            {
                limitReached = true;
                limitMessage = $"The tenant's URL block list is full: {e.Message} Remove entries that are no longer needed (Get-AirUrlBlock -ExpiringBefore …, Unblock-AirUrl) and run the command again.";
            }
            foreach (var (item, data) in chunk)
                await FinishAsync(item, data, ItemState.Failed, limit ? UrlOutcome.LimitReached : UrlOutcome.Failed, limit ? limitMessage : UrlBlockErrors.Describe(e),
                    limit ? AirErrorKind.LimitReached : e.ToErrorKind()).ConfigureAwait(false);
            return;
        }

        // -OutputJson answers every entry in one JSON value (a string over REST), whose exact shape is not documented:
        // read the errors it reports, but let the list itself say what was added and under which Identity.
        var reported = TablApi.ReportedErrors(result);
        foreach (var (item, data) in chunk)
        {
            reported.TryGetValue(data.Value, out var error);
            var (state, entry, failure) = await ConfirmAddedAsync(data.Value, error, ct).ConfigureAwait(false);
            if (state == ItemState.Done)
                await FinishAsync(item, data with { Id = entry!.Id }, ItemState.Done, UrlOutcome.Blocked, null, null, entry, after: UrlItemData.From(entry, UrlOp.Add)).ConfigureAwait(false);
            else if (state == ItemState.Already)
                await FinishAsync(item, data with { Id = entry?.Id }, ItemState.Already, UrlOutcome.AlreadyBlocked, "Already blocked.", null, entry).ConfigureAwait(false);
            else
                await FinishAsync(item, data, ItemState.Failed, error is null ? UrlOutcome.Failed : UrlOutcome.Rejected, failure!.Message, failure.Kind).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether an entry the add was sent for is now in the list, by Get-TenantAllowBlockListItems -Entry: Done with its
    /// Identity when it is; Already when the add said it existed before (it is not ours to undo); Failed with the
    /// service's reason (or "not added") when it is not there.
    /// </summary>
    private async Task<(ItemState State, UrlBlockEntry? Entry, AirException? Failure)> ConfirmAddedAsync(string value, string? reportedError, CancellationToken ct)
    {
        UrlBlockEntry? entry;
        try
        {
            entry = await tabl.FindAsync(value, ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            return (ItemState.Failed, null, new AirException(e.ToErrorKind(),
                $"The add was sent, but whether the entry is in the Tenant Allow/Block List could not be confirmed: {UrlBlockErrors.Describe(e)} Run the command again to confirm it."));
        }
        var existedBefore = reportedError?.Contains("already exist", StringComparison.OrdinalIgnoreCase) == true;
        if (existedBefore) return (ItemState.Already, entry, null);
        if (entry is not null) return (ItemState.Done, entry, null);
        return (ItemState.Failed, null, reportedError is not null
            ? new AirException(AirErrorKind.InvalidInput, "Exchange refused the entry: " + reportedError)
            : new AirException(AirErrorKind.ServiceError, "Exchange accepted the request, but the entry is not in the Tenant Allow/Block List."));
    }

    private async Task UpdateExpiryAsync(ItemRecord item, UrlItemData data, UrlBlockEntry e, CancellationToken ct)
    {
        var expires = add.NoExpiration ? (DateTimeOffset?)null : add.ExpiresOn ?? Now.Add(TablAddOptions.DefaultLifetime);
        var notes = add.Note ?? e.Notes;
        if ((expires is null && e.ExpiresOn is null) || (expires is { } x && e.ExpiresOn is { } y && Math.Abs((x - y).TotalMinutes) < 1 && notes == e.Notes))
        {
            await FinishAsync(item, data with { Id = e.Id }, ItemState.Already, UrlOutcome.AlreadyBlocked, $"Already blocked with that expiry ({Expiry(e.ExpiresOn)}).", null, e).ConfigureAwait(false);
            return;
        }
        var updated = data with { Op = UrlOp.Update, Id = e.Id, ExpiresOn = expires, NoExpiration = expires is null, Notes = notes };
        item = await Run.StartAsync(item, ct, updated.ToJson(), UrlItemData.From(e, UrlOp.Update).ToJson()).ConfigureAwait(false);
        try
        {
            await tabl.SetAsync(e.Id, expires, expires is null, notes, ct).ConfigureAwait(false);
            await FinishAsync(item, updated, ItemState.Done, UrlOutcome.ExpiryUpdated, $"Expiry changed from {Expiry(e.ExpiresOn)} to {Expiry(expires)}.", null,
                e with { ExpiresOn = expires, Notes = notes }, after: updated).ConfigureAwait(false);
        }
        catch (ServiceCallException ex)
        {
            await FinishAsync(item, updated, ItemState.Failed, UrlOutcome.Failed, UrlBlockErrors.Describe(ex), ex.ToErrorKind()).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- remove (unblock, undo of a block)

    private async Task RemovePhaseAsync(List<(ItemRecord Item, UrlItemData Data)> items, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        var send = new List<(ItemRecord Item, UrlItemData Data)>();
        foreach (var (item, data) in items)
        {
            var undo = data.Op == UrlOp.UndoRemove;
            if (data.Id is not null && existing.ContainsKey(data.Id)) { send.Add((item, data)); continue; }
            // Not in the list (any more): removed before an interruption, or by someone else.
            if (item.State == ItemState.InProgress)
                await FinishAsync(item, data, ItemState.Done, undo ? UrlOutcome.Removed : UrlOutcome.Unblocked, "Removed (confirmed after an interrupted run).", null).ConfigureAwait(false);
            else
                await FinishAsync(item, data, ItemState.Already, undo ? UrlOutcome.Removed : UrlOutcome.NotBlocked, "No longer in the Tenant Allow/Block List.", null).ConfigureAwait(false);
        }
        foreach (var chunk in send.Chunk(BatchSize))
        {
            await Run.StartAsync(chunk.Select(c => c.Item), ct, i => chunk.First(c => c.Item.Seq == i.Seq).Data.ToJson()).ConfigureAwait(false);
            try
            {
                var ids = chunk.Select(c => c.Data.Id!).ToList();
                var r = await tabl.RemoveAsync(ids, ct, verify: async t =>
                {
                    // A 5xx/timeout may have removed them: if none is left, that is the answer (a resend would say "not found").
                    var now = await tabl.ListAsync(t).ConfigureAwait(false);
                    return now.Any(e => ids.Contains(e.Id, StringComparer.Ordinal)) ? null : new ExchangeResult([], []);
                }).ConfigureAwait(false);
                foreach (var (item, data) in chunk)
                {
                    var undo = data.Op == UrlOp.UndoRemove;
                    var missing = r.Warnings.Any(w => w.Contains(data.Id!, StringComparison.Ordinal));
                    await FinishAsync(item, data, missing ? ItemState.Already : ItemState.Done, undo ? UrlOutcome.Removed : UrlOutcome.Unblocked,
                        missing ? "No longer in the Tenant Allow/Block List." : undo ? "Removed the entry this action's block added." : null, null).ConfigureAwait(false);
                }
            }
            catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
            {
                foreach (var (item, data) in chunk)
                    await FinishAsync(item, data, ItemState.Already, data.Op == UrlOp.UndoRemove ? UrlOutcome.Removed : UrlOutcome.NotBlocked,
                        "No longer in the Tenant Allow/Block List.", null).ConfigureAwait(false);
            }
            catch (ServiceCallException e)
            {
                foreach (var (item, data) in chunk)
                    await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, UrlBlockErrors.Describe(e), e.ToErrorKind()).ConfigureAwait(false);
            }
        }
    }

    // ---------------------------------------------------------------- undo of an expiry change, undo of an unblock

    private async Task SetBackAsync(ItemRecord item, UrlItemData data, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        var outcome = data.Op == UrlOp.UndoSet ? UrlOutcome.Restored : UrlOutcome.ExpiryUpdated;
        if (data.Id is null || !existing.ContainsKey(data.Id))
        {
            await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, "The entry is no longer in the Tenant Allow/Block List; its expiry can't be set.", AirErrorKind.NotFound).ConfigureAwait(false);
            return;
        }
        if (data.ExpiresOn is { } when && when <= Now)
        {
            await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, $"The original expiry ({Expiry(when)}) has passed; the entry was left as it is.", AirErrorKind.InvalidState).ConfigureAwait(false);
            return;
        }
        item = await Run.StartAsync(item, ct).ConfigureAwait(false);
        try
        {
            await tabl.SetAsync(data.Id, data.ExpiresOn, data.NoExpiration || data.ExpiresOn is null, data.Notes, ct).ConfigureAwait(false);
            await FinishAsync(item, data, ItemState.Done, outcome, $"Expiry set back to {Expiry(data.ExpiresOn)}.", null).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, UrlBlockErrors.Describe(e), e.ToErrorKind()).ConfigureAwait(false);
        }
    }

    private async Task ReAddAsync(ItemRecord item, UrlItemData data, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        if (existing.TryGetValue(data.Value, out var e))
        {
            var mine = item.State == ItemState.InProgress;
            await FinishAsync(item, data with { Id = e.Id }, mine ? ItemState.Done : ItemState.Already, UrlOutcome.Restored,
                mine ? "Re-added (confirmed after an interrupted run)." : "Already in the Tenant Allow/Block List.", null, e).ConfigureAwait(false);
            return;
        }
        if (data.ExpiresOn is { } when && when <= Now)
        {
            await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, $"The entry's original expiry ({Expiry(when)}) has passed; it was not re-added.", AirErrorKind.InvalidState).ConfigureAwait(false);
            return;
        }
        item = await Run.StartAsync(item, ct).ConfigureAwait(false);
        try
        {
            var r = await tabl.AddAsync([data.Value], data.ExpiresOn, data.ExpiresOn is null, data.Notes, ct).ConfigureAwait(false);
            TablApi.ReportedErrors(r).TryGetValue(data.Value, out var error);
            var (state, entry, failure) = await ConfirmAddedAsync(data.Value, error, ct).ConfigureAwait(false);
            if (state == ItemState.Done)
                await FinishAsync(item, data with { Id = entry!.Id }, ItemState.Done, UrlOutcome.Restored, "Re-added with its original expiry and notes.", null, entry,
                    after: UrlItemData.From(entry, UrlOp.UndoAdd)).ConfigureAwait(false);
            else if (state == ItemState.Already)
                await FinishAsync(item, data, ItemState.Already, UrlOutcome.Restored, "Already in the Tenant Allow/Block List.", null, entry).ConfigureAwait(false);
            else
                await FinishAsync(item, data, ItemState.Failed, UrlOutcome.Failed, failure!.Message, failure.Kind).ConfigureAwait(false);
        }
        catch (ServiceCallException ex)
        {
            var limit = UrlBlockErrors.IsLimit(ex);
            await FinishAsync(item, data, ItemState.Failed, limit ? UrlOutcome.LimitReached : UrlOutcome.Failed, UrlBlockErrors.Describe(ex),
                limit ? AirErrorKind.LimitReached : ex.ToErrorKind()).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Task FinishAsync(ItemRecord item, UrlItemData data, ItemState state, UrlOutcome outcome, string? reason, AirErrorKind? error,
        UrlBlockEntry? entry = null, UrlItemData? after = null) =>
        Run.FinishAsync(item, state, reason, new ItemOutcome(outcome, error, entry), data.ToJson(), after?.ToJson());

    private static JsonObject Json(UrlBlockEntry e, string state) => new()
    {
        ["Identity"] = e.Id,
        ["Value"] = e.Value,
        ["ExpirationDate"] = e.ExpiresOn?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["Notes"] = e.Notes,
        ["ObjectState"] = state,
    };

    internal static string Expiry(DateTimeOffset? d) => d is { } x ? "expires " + x.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "never expires";
}
