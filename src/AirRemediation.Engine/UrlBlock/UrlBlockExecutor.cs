using System.Globalization;
using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.UrlBlock;

/// <summary>
/// Adds, removes and restores URL block entries in the Tenant Allow/Block List, journaled item by item: each entry is
/// InProgress (with its before-state) before the request that changes it and Done/Already/Failed after, so a killed
/// run is resumed from the journal and an undo changes exactly what the action changed. Entries are sent in batches
/// with per-entry results (New-TenantAllowBlockListItems -OutputJson).
/// </summary>
internal sealed class UrlBlockExecutor
{
    public const int BatchSize = 20;

    private readonly AirSession session;
    private readonly IActionStore store;
    private readonly RunSink sink;
    private readonly ExecutionMetrics metrics = new();
    private readonly TablApi tabl;
    private bool limitReached;
    private string? limitMessage;

    public UrlBlockExecutor(AirSession session, IActionStore store, RetryOptions options, RunSink sink)
    {
        this.session = session;
        this.store = store;
        this.sink = sink;
        var caller = new ServiceCaller(options, new ThrottleRegistry(options, session.Clock, metrics), metrics);
        tabl = new TablApi(new ExchangeAdminClient(session, caller));
    }

    private DateTimeOffset Now => session.Clock.GetUtcNow();

    // ---------------------------------------------------------------- read

    public async Task<IReadOnlyList<UrlBlockEntry>> ListAsync(CancellationToken ct)
    {
        try
        {
            return await tabl.ListAsync(ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            throw ListError(e);
        }
    }

    private static AirException ListError(ServiceCallException e) => new(e.ToErrorKind(),
        e.Kind == FailureKind.Forbidden
            ? $"The Tenant Allow/Block List could not be read (403): the identity needs Exchange.ManageAsApp and the Security Administrator/Operator role (or Organization Management). {e.Message}"
            : $"The Tenant Allow/Block List could not be read: {e.Message}") { HttpStatus = e.Status, ServiceCode = e.Code };

    // ---------------------------------------------------------------- block

    public async Task<RunSummary> BlockAsync(UrlBlockRequest.Normalized input, AuditContext who, CancellationToken ct)
    {
        var request = input.Request;
        var (run, _) = await ActionRun.StartOrResumeAsync(store, new NewAction
        {
            Kind = ActionKind.BlockUrl,
            DedupeKey = request.RunKey(),
            ParametersJson = request.ToJson(),
            Summary = Describe(request, input.Rejected.Count),
        }, who, ct).ConfigureAwait(false);
        await using var _run = run;

        var n = 0;
        foreach (var bad in input.Rejected)
        {
            await store.AddItemsAsync(run.Id, [new NewItem($"invalid|{++n}|{bad.Entry}", bad.Entry,
                new UrlItemData(bad.Entry, "add").ToJson(), ItemState.Failed, bad.Reason)], ct).ConfigureAwait(false);
            sink.Item(new UrlBlockResult
            {
                ActionId = run.Id, Url = bad.Entry, State = ItemState.Failed, Outcome = "Rejected", Reason = bad.Reason,
                Rule = bad.Rule, ErrorKind = AirErrorKind.InvalidInput,
            });
        }
        await store.AddItemsAsync(run.Id, request.Urls.Select(u => new NewItem(UrlItemData.Key(u), u, new UrlItemData(u, "add").ToJson())), ct).ConfigureAwait(false);
        return await ExecuteAsync(run, request, ct).ConfigureAwait(false);
    }

    public async Task<RunSummary> ResumeAsync(string actionId, AuditContext who, CancellationToken ct)
    {
        await using var run = await ActionRun.ResumeAsync(store, actionId, who, ct).ConfigureAwait(false);
        if (run.Action.Kind == ActionKind.BlockUrl)
        {
            // An approved proposal has no items yet, and an interrupted run may have stopped before journaling them all:
            // (re-)journal one item per entry; adding an existing key changes nothing.
            var request = UrlBlockRequest.FromJson(run.Action.ParametersJson);
            await store.AddItemsAsync(run.Id, request.Urls.Select(u => new NewItem(UrlItemData.Key(u), u, new UrlItemData(u, "add").ToJson())), ct).ConfigureAwait(false);
            return await ExecuteAsync(run, request, ct).ConfigureAwait(false);
        }
        return run.Action.Kind switch
        {
            ActionKind.UnblockUrl => await ExecuteAsync(run, null, ct).ConfigureAwait(false),
            _ => throw new AirException(AirErrorKind.InvalidInput, $"Action {actionId} is a {run.Action.Kind} action, not a URL block or unblock.", actionId),
        };
    }

    /// <summary>Works through the journal's open items: adds (block), removes (unblock) or restores (undo).</summary>
    private async Task<RunSummary> ExecuteAsync(ActionRun run, UrlBlockRequest? request, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, run.LeaseLost);
        var token = linked.Token;
        var open = new List<(ItemRecord Item, UrlItemData Data)>();
        await foreach (var item in store.GetItemsAsync(run.Id, new ItemQuery { States = [ItemState.Planned, ItemState.InProgress] }, token).ConfigureAwait(false))
            open.Add((item, UrlItemData.FromJson(item.DataJson)));
        try
        {
            if (open.Count > 0)
            {
                IReadOnlyList<UrlBlockEntry> existing;
                try
                {
                    existing = await tabl.ListAsync(token).ConfigureAwait(false);
                }
                catch (ServiceCallException e)
                {
                    var error = ListError(e);
                    foreach (var (item, data) in open) await FinishAsync(run, item, data, ItemState.Failed, "Failed", error.Message, error.Kind).ConfigureAwait(false);
                    open.Clear();
                    existing = [];
                }
                var byValue = existing.GroupBy(e => e.Value, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
                var byId = existing.ToDictionary(e => e.Id, StringComparer.Ordinal);
                await AddPhaseAsync(run, request, open.Where(o => o.Data.Op is "add").ToList(), byValue, token).ConfigureAwait(false);
                await RemovePhaseAsync(run, open.Where(o => o.Data.Op is "remove" or "undo-remove").ToList(), byId, token).ConfigureAwait(false);
                foreach (var o in open.Where(o => o.Data.Op is "undo-set" or "update"))
                    await SetBackAsync(run, o.Item, o.Data, byId, token).ConfigureAwait(false);
                foreach (var o in open.Where(o => o.Data.Op is "undo-add"))
                    await ReAddAsync(run, o.Item, o.Data, byValue, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || run.LeaseLost.IsCancellationRequested)
        {
            if (run.LeaseLost.IsCancellationRequested)
                throw new AirException(AirErrorKind.Conflict, $"Action {run.Id} was taken over by another session; this run stopped.", run.Id);
            var (cancelled, cc) = await run.CancelAsync().ConfigureAwait(false);
            return RunSummary.From(cancelled, cc, run.Elapsed, metrics, limitReached, $"Stopped by the user. Resume-AirAction -Id {run.Id} finishes the rest.");
        }
        var (action, counts) = await run.CompleteAsync(null, CancellationToken.None).ConfigureAwait(false);
        return RunSummary.From(action, counts, run.Elapsed, metrics, limitReached, limitMessage);
    }

    private async Task AddPhaseAsync(ActionRun run, UrlBlockRequest? request, List<(ItemRecord Item, UrlItemData Data)> items,
        Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        if (items.Count == 0) return;
        request ??= new UrlBlockRequest();
        var toAdd = new List<(ItemRecord Item, UrlItemData Data)>();
        foreach (var (item, data) in items)
        {
            if (!existing.TryGetValue(data.Value, out var e))
            {
                toAdd.Add((item, data));
                continue;
            }
            if (item.State == ItemState.InProgress)
            {
                // The add was sent before the run was interrupted and the entry is there: it is ours.
                await FinishAsync(run, item, data with { Id = e.Id }, ItemState.Done, "Blocked", "Blocked (confirmed after an interrupted run).", null, e,
                    after: UrlItemData.From(e, "add")).ConfigureAwait(false);
            }
            else if (request.UpdateExpiry)
            {
                await UpdateExpiryAsync(run, item, data, e, request, ct).ConfigureAwait(false);
            }
            else
            {
                await FinishAsync(run, item, data with { Id = e.Id }, ItemState.Already, "AlreadyBlocked",
                    $"Already blocked ({Expiry(e.ExpiresOn)}); -UpdateExpiry changes its expiry.", null, e).ConfigureAwait(false);
            }
        }
        foreach (var chunk in toAdd.Chunk(BatchSize))
        {
            if (limitReached)
            {
                foreach (var (item, data) in chunk)
                    await FinishAsync(run, item, data, ItemState.Failed, "LimitReached", "Not sent: " + limitMessage, AirErrorKind.LimitReached).ConfigureAwait(false);
                continue;
            }
            await AddBatchAsync(run, request, chunk, ct).ConfigureAwait(false);
        }
    }

    private async Task AddBatchAsync(ActionRun run, UrlBlockRequest request, (ItemRecord Item, UrlItemData Data)[] chunk, CancellationToken ct)
    {
        await store.UpdateItemsAsync(run.Id, [.. chunk.Select(c => new ItemUpdate(c.Item.Seq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = run.Owner })], ct).ConfigureAwait(false);
        var values = chunk.Select(c => c.Data.Value).ToList();
        ExchangeResult result;
        try
        {
            result = await tabl.AddAsync(values, request.ExpiresOn, request.NoExpiration, request.Note, ct,
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
            var limit = IsLimit(e);
            if (limit)
            {
                limitReached = true;
                limitMessage = $"The tenant's URL block list is full: {e.Message} Remove entries that are no longer needed (Get-AirUrlBlock -ExpiringBefore …, Unblock-AirUrl) and run the command again.";
            }
            foreach (var (item, data) in chunk)
                await FinishAsync(run, item, data, ItemState.Failed, limit ? "LimitReached" : "Failed", limit ? limitMessage : Describe(e),
                    limit ? AirErrorKind.LimitReached : e.ToErrorKind()).ConfigureAwait(false);
            return;
        }

        foreach (var (item, data) in chunk)
        {
            var o = result.Values.FirstOrDefault(v => string.Equals((string?)v["Value"], data.Value, StringComparison.OrdinalIgnoreCase));
            if (o is null)
            {
                await FinishAsync(run, item, data, ItemState.Failed, "Failed", "Exchange returned no result for this entry.", AirErrorKind.ServiceError).ConfigureAwait(false);
                continue;
            }
            if ((string?)o["Error"] is { } error)
            {
                var already = error.Contains("already exist", StringComparison.OrdinalIgnoreCase);
                await FinishAsync(run, item, data, already ? ItemState.Already : ItemState.Failed, already ? "AlreadyBlocked" : "Rejected",
                    already ? "Already blocked." : "Exchange refused the entry: " + error, already ? null : AirErrorKind.InvalidInput).ConfigureAwait(false);
                continue;
            }
            var entry = UrlBlockEntry.FromJson(o);
            await FinishAsync(run, item, data with { Id = entry?.Id }, ItemState.Done, "Blocked", null, null, entry,
                after: entry is null ? null : UrlItemData.From(entry, "add")).ConfigureAwait(false);
        }
    }

    private async Task UpdateExpiryAsync(ActionRun run, ItemRecord item, UrlItemData data, UrlBlockEntry e, UrlBlockRequest request, CancellationToken ct)
    {
        var expires = request.NoExpiration ? (DateTimeOffset?)null : request.ExpiresOn ?? Now.Add(UrlBlockRequest.DefaultLifetime);
        var notes = request.Note ?? e.Notes;
        if ((expires is null && e.ExpiresOn is null) || (expires is { } x && e.ExpiresOn is { } y && Math.Abs((x - y).TotalMinutes) < 1 && notes == e.Notes))
        {
            await FinishAsync(run, item, data with { Id = e.Id }, ItemState.Already, "AlreadyBlocked", $"Already blocked with that expiry ({Expiry(e.ExpiresOn)}).", null, e).ConfigureAwait(false);
            return;
        }
        var updated = data with { Op = "update", Id = e.Id, ExpiresOn = expires, NoExpiration = expires is null, Notes = notes };
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.InProgress)
        {
            IncrementAttempts = true, DataJson = updated.ToJson(), BeforeJson = UrlItemData.From(e, "update").ToJson(), LeaseOwner = run.Owner,
        }, ct).ConfigureAwait(false);
        try
        {
            await tabl.SetAsync(e.Id, expires, expires is null, notes, ct).ConfigureAwait(false);
            await FinishAsync(run, item, updated, ItemState.Done, "ExpiryUpdated", $"Expiry changed from {Expiry(e.ExpiresOn)} to {Expiry(expires)}.", null,
                e with { ExpiresOn = expires, Notes = notes }, after: updated).ConfigureAwait(false);
        }
        catch (ServiceCallException ex)
        {
            await FinishAsync(run, item, updated, ItemState.Failed, "Failed", Describe(ex), ex.ToErrorKind()).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- unblock

    public async Task<RunSummary> UnblockAsync(UrlUnblockRequest request, AuditContext who, CancellationToken ct)
    {
        if (request.Urls.Count == 0 && request.Ids.Count == 0)
            throw new AirException(AirErrorKind.InvalidInput, "Nothing to unblock: give -Url or -Id, or pipe entries from Get-AirUrlBlock.");
        var existing = await ListAsync(ct).ConfigureAwait(false);
        await using var run = await ActionRun.StartNewAsync(store, new NewAction
        {
            Kind = ActionKind.UnblockUrl,
            ParametersJson = request.ToJson(),
            Summary = $"Unblock {request.Urls.Count + request.Ids.Count} URL entr{(request.Urls.Count + request.Ids.Count == 1 ? "y" : "ies")}",
        }, who, ct).ConfigureAwait(false);

        var planned = new List<NewItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var url in request.Urls)
        {
            var e = existing.FirstOrDefault(x => string.Equals(x.Value, url, StringComparison.OrdinalIgnoreCase));
            if (e is null)
            {
                var added = await store.AddItemsAsync(run.Id, [new NewItem(UrlItemData.Key(url), url, new UrlItemData(url, "remove").ToJson(), ItemState.Already,
                    "Not in the Tenant Allow/Block List (already unblocked).")], ct).ConfigureAwait(false);
                if (added[0].State == ItemState.Already)
                    sink.Item(new UrlBlockResult { ActionId = run.Id, Url = url, State = ItemState.Already, Outcome = "NotBlocked", Reason = added[0].Reason });
                continue;
            }
            if (seen.Add(e.Id)) planned.Add(new NewItem(UrlItemData.Key(e.Value), e.Value, UrlItemData.From(e, "remove").ToJson()));
        }
        foreach (var id in request.Ids)
        {
            var e = existing.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.Ordinal));
            if (e is null)
            {
                var reason = $"No URL block entry has the id '{id}'.";
                await store.AddItemsAsync(run.Id, [new NewItem("id|" + id, id, new UrlItemData(id, "remove", id).ToJson(), ItemState.Failed, reason)], ct).ConfigureAwait(false);
                sink.Item(new UrlBlockResult { ActionId = run.Id, Url = id, Id = id, State = ItemState.Failed, Outcome = "Failed", Reason = reason, ErrorKind = AirErrorKind.NotFound });
                continue;
            }
            if (seen.Add(e.Id)) planned.Add(new NewItem(UrlItemData.Key(e.Value), e.Value, UrlItemData.From(e, "remove").ToJson()));
        }
        if (planned.Count > 0) await store.AddItemsAsync(run.Id, planned, ct).ConfigureAwait(false);
        return await ExecuteAsync(run, null, ct).ConfigureAwait(false);
    }

    private async Task RemovePhaseAsync(ActionRun run, List<(ItemRecord Item, UrlItemData Data)> items, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        var undo = items.Any(i => i.Data.Op == "undo-remove");
        var send = new List<(ItemRecord Item, UrlItemData Data)>();
        foreach (var (item, data) in items)
        {
            if (data.Id is not null && existing.ContainsKey(data.Id)) { send.Add((item, data)); continue; }
            // Not in the list (any more): removed before an interruption, or by someone else.
            if (item.State == ItemState.InProgress)
                await FinishAsync(run, item, data, ItemState.Done, undo ? "Removed" : "Unblocked", "Removed (confirmed after an interrupted run).", null).ConfigureAwait(false);
            else
                await FinishAsync(run, item, data, ItemState.Already, undo ? "Removed" : "NotBlocked", "No longer in the Tenant Allow/Block List.", null).ConfigureAwait(false);
        }
        foreach (var chunk in send.Chunk(BatchSize))
        {
            await store.UpdateItemsAsync(run.Id, [.. chunk.Select(c => new ItemUpdate(c.Item.Seq, ItemState.InProgress)
            {
                IncrementAttempts = true, LeaseOwner = run.Owner, BeforeJson = c.Data.ToJson(),
            })], ct).ConfigureAwait(false);
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
                    var missing = r.Warnings.Any(w => w.Contains(data.Id!, StringComparison.Ordinal));
                    await FinishAsync(run, item, data, missing ? ItemState.Already : ItemState.Done, undo ? "Removed" : "Unblocked",
                        missing ? "No longer in the Tenant Allow/Block List." : undo ? "Removed the entry this action's block added." : null, null).ConfigureAwait(false);
                }
            }
            catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
            {
                foreach (var (item, data) in chunk)
                    await FinishAsync(run, item, data, ItemState.Already, undo ? "Removed" : "NotBlocked", "No longer in the Tenant Allow/Block List.", null).ConfigureAwait(false);
            }
            catch (ServiceCallException e)
            {
                foreach (var (item, data) in chunk)
                    await FinishAsync(run, item, data, ItemState.Failed, "Failed", Describe(e), e.ToErrorKind()).ConfigureAwait(false);
            }
        }
    }

    // ---------------------------------------------------------------- undo

    public async Task<RunSummary> UndoAsync(string actionId, AuditContext who, CancellationToken ct)
    {
        var original = await UndoRun.LoadOriginalAsync(store, actionId, [ActionKind.BlockUrl, ActionKind.UnblockUrl], "a URL block or unblock", ct).ConfigureAwait(false);
        var summary = original.Kind == ActionKind.BlockUrl
            ? $"Undo of {original.Id}: remove the URL block entries it added, restore expiries it changed"
            : $"Undo of {original.Id}: re-add the URL block entries it removed";
        await using var run = await UndoRun.StartOrResumeAsync(store, original, summary, item =>
        {
            var data = UrlItemData.FromJson(item.DataJson);
            var before = item.BeforeJson is null ? null : UrlItemData.FromJson(item.BeforeJson);
            var after = item.AfterJson is null ? null : UrlItemData.FromJson(item.AfterJson);
            UrlItemData? undo = data.Op switch
            {
                "add" => new UrlItemData(data.Value, "undo-remove", after?.Id ?? data.Id),
                "update" when before is not null => before with { Op = "undo-set" },
                "remove" => (before ?? data) with { Op = "undo-add" },
                _ => null,
            };
            return undo is null ? null : new NewItem(item.Key, item.Target, undo.ToJson());
        }, who, ct).ConfigureAwait(false);
        var result = await ExecuteAsync(run, null, ct).ConfigureAwait(false);
        await UndoRun.MarkUndoneAsync(store, original, result, who).ConfigureAwait(false);
        return result;
    }

    private async Task SetBackAsync(ActionRun run, ItemRecord item, UrlItemData data, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        var outcome = data.Op == "undo-set" ? "Restored" : "ExpiryUpdated";
        if (data.Id is null || !existing.ContainsKey(data.Id))
        {
            await FinishAsync(run, item, data, ItemState.Failed, "Failed", "The entry is no longer in the Tenant Allow/Block List; its expiry can't be set.", AirErrorKind.NotFound).ConfigureAwait(false);
            return;
        }
        if (data.ExpiresOn is { } when && when <= Now)
        {
            await FinishAsync(run, item, data, ItemState.Failed, "Failed", $"The original expiry ({Expiry(when)}) has passed; the entry was left as it is.", AirErrorKind.InvalidState).ConfigureAwait(false);
            return;
        }
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = run.Owner }, ct).ConfigureAwait(false);
        try
        {
            await tabl.SetAsync(data.Id, data.ExpiresOn, data.NoExpiration || data.ExpiresOn is null, data.Notes, ct).ConfigureAwait(false);
            await FinishAsync(run, item, data, ItemState.Done, outcome, $"Expiry set back to {Expiry(data.ExpiresOn)}.", null).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            await FinishAsync(run, item, data, ItemState.Failed, "Failed", Describe(e), e.ToErrorKind()).ConfigureAwait(false);
        }
    }

    private async Task ReAddAsync(ActionRun run, ItemRecord item, UrlItemData data, Dictionary<string, UrlBlockEntry> existing, CancellationToken ct)
    {
        if (existing.TryGetValue(data.Value, out var e))
        {
            var mine = item.State == ItemState.InProgress;
            await FinishAsync(run, item, data with { Id = e.Id }, mine ? ItemState.Done : ItemState.Already, "Restored",
                mine ? "Re-added (confirmed after an interrupted run)." : "Already in the Tenant Allow/Block List.", null, e).ConfigureAwait(false);
            return;
        }
        if (data.ExpiresOn is { } when && when <= Now)
        {
            await FinishAsync(run, item, data, ItemState.Failed, "Failed", $"The entry's original expiry ({Expiry(when)}) has passed; it was not re-added.", AirErrorKind.InvalidState).ConfigureAwait(false);
            return;
        }
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.InProgress) { IncrementAttempts = true, LeaseOwner = run.Owner }, ct).ConfigureAwait(false);
        try
        {
            var r = await tabl.AddAsync([data.Value], data.ExpiresOn, data.ExpiresOn is null, data.Notes, ct).ConfigureAwait(false);
            var o = r.Values.FirstOrDefault();
            if (o is not null && (string?)o["Error"] is { } error)
            {
                var already = error.Contains("already exist", StringComparison.OrdinalIgnoreCase);
                await FinishAsync(run, item, data, already ? ItemState.Already : ItemState.Failed, already ? "Restored" : "Failed",
                    already ? "Already in the Tenant Allow/Block List." : "Exchange refused the entry: " + error, already ? null : AirErrorKind.InvalidInput).ConfigureAwait(false);
                return;
            }
            var entry = o is null ? null : UrlBlockEntry.FromJson(o);
            await FinishAsync(run, item, data with { Id = entry?.Id }, ItemState.Done, "Restored", "Re-added with its original expiry and notes.", null, entry,
                after: entry is null ? null : UrlItemData.From(entry, "undo-add")).ConfigureAwait(false);
        }
        catch (ServiceCallException ex)
        {
            await FinishAsync(run, item, data, ItemState.Failed, IsLimit(ex) ? "LimitReached" : "Failed", Describe(ex), IsLimit(ex) ? AirErrorKind.LimitReached : ex.ToErrorKind()).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- helpers

    private async Task FinishAsync(ActionRun run, ItemRecord item, UrlItemData data, ItemState state, string outcome, string? reason, AirErrorKind? error,
        UrlBlockEntry? entry = null, UrlItemData? after = null)
    {
        // Written even if the user pressed Ctrl+C right now: the side effect has happened.
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, state)
        {
            Reason = reason, DataJson = data.ToJson(), AfterJson = after?.ToJson(), LeaseOwner = run.Owner,
        }, CancellationToken.None).ConfigureAwait(false);
        var expires = entry is not null ? entry.ExpiresOn : data.ExpiresOn;
        sink.Item(new UrlBlockResult
        {
            ActionId = run.Id,
            Url = data.Value,
            Id = entry?.Id ?? data.Id,
            State = state,
            Outcome = outcome,
            Reason = reason,
            ErrorKind = error,
            ExpiresOn = expires,
            NoExpiration = entry is not null ? entry.ExpiresOn is null : data.NoExpiration,
            Notes = entry?.Notes ?? data.Notes,
        });
    }

    /// <summary>
    /// The tenant's entry limit (500/1,000/10,000 block entries by licence). Exchange answers it with a TaskException
    /// whose text names the maximum; we match on that text (see docs/EXCHANGE-ADMIN-API.md, open questions).
    /// </summary>
    internal static bool IsLimit(ServiceCallException e) =>
        e.Kind == FailureKind.Rejected
        && (e.Message.Contains("maximum number", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("exceed", StringComparison.OrdinalIgnoreCase));

    private static JsonObject Json(UrlBlockEntry e, string state) => new()
    {
        ["Identity"] = e.Id,
        ["Value"] = e.Value,
        ["ExpirationDate"] = e.ExpiresOn?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["Notes"] = e.Notes,
        ["ObjectState"] = state,
    };

    private static string Expiry(DateTimeOffset? d) => d is { } x ? "expires " + x.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "never expires";

    private static string Describe(ServiceCallException e) => e.Status is { } s ? $"{s} {e.Code}: {e.Message}" : $"{e.Code}: {e.Message}";

    private static string Describe(UrlBlockRequest r, int rejected) =>
        $"Block {r.Urls.Count} URL entr{(r.Urls.Count == 1 ? "y" : "ies")}"
        + (r.NoExpiration ? " (no expiry)" : r.ExpiresOn is { } e ? $" until {e.UtcDateTime:yyyy-MM-dd}" : " (30 days)")
        + (rejected > 0 ? $"; {rejected} rejected as invalid" : "");
}
