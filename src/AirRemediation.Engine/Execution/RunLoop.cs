using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// The body of every run, once the run holds its action's lease: keeps the lease alive, journals and applies through
/// the kind, maps Ctrl+C to Cancelled and a lost lease to a Conflict error, completes progress whatever happens, and ends
/// the action in the state its journal's counts call for.
/// </summary>
internal static class RunLoop
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(15);
    private const int JournalBatch = 100;
    private const int OpenPage = 1000;

    public static async Task<RunSummary> ExecuteAsync(RunContext run, KindRun work, IReadOnlyList<RejectedInput> rejected, ActionRecord? carryFrom,
        Confirm? confirm, CancellationToken ct)
    {
        var store = run.Store;
        var started = run.Clock.GetTimestamp();
        await using var lease = LeaseHeartbeat.Start(store, run.Id, run.LeaseOwner!, ActionPipeline.LeaseDuration, RenewEvery);
        run.LeaseLost = lease.LeaseLost;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.LeaseLost);
        var token = linked.Token;
        using var measured = ServiceCaller.Measure(run.Metrics);
        ActionRecord final;
        ItemCounts counts;
        string? note;
        await using (var progress = ProgressReporter.Start(run))
        {
            try
            {
                await work.BeginAsync(token).ConfigureAwait(false);
                await RecordRejectedAsync(run, rejected, token).ConfigureAwait(false);
                if (carryFrom is not null) await CarryOverAsync(run, work, carryFrom, token).ConfigureAwait(false);
                await ApplyOpenAsync(run, work, token).ConfigureAwait(false);
                await UnitWorkers.RunAsync(work.UnitsAsync(token), work.UnitParallelism,
                    (unit, t) => DiscoverAsync(run, work, unit, confirm, t), token).ConfigureAwait(false);
            }
            catch (Exception e) when (lease.IsLost && e is OperationCanceledException or AirException { Kind: AirErrorKind.Conflict })
            {
                AirLog.Current.Warning($"Action {run.Id} was taken over by another session; this session stops working on it.");
                throw new AirException(AirErrorKind.Conflict, $"Action {run.Id} was taken over by another session; this run stopped.", run.Id);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                (final, counts) = await CancelAsync(run).ConfigureAwait(false);
                var resume = run.IsUndo ? $"Undo-AirAction -Id {run.Original!.Id}" : $"Resume-AirAction -Id {run.Id}";
                return RunSummary.From(final, counts, run.Clock.GetElapsedTime(started), run.Metrics, work.LimitReached,
                    $"Stopped by the user. {resume} finishes the rest.");
            }
            catch
            {
                // Anything else ends this session's work on the action, not the action: give the lease up so that a
                // resume (or the same command again) can take over at once instead of waiting for it to expire.
                await ReleaseAsync(run).ConfigureAwait(false);
                throw;
            }
            note = work.Note;
            if (work.LimitReached && note is not null) AirLog.Current.Warning(note);
            (final, counts) = await CompleteAsync(run).ConfigureAwait(false);
        }
        return RunSummary.From(final, counts, run.Clock.GetElapsedTime(started), run.Metrics, work.LimitReached, note);
    }

    private static async Task RecordRejectedAsync(RunContext run, IReadOnlyList<RejectedInput> rejected, CancellationToken ct)
    {
        if (rejected.Count == 0) return;
        var findings = rejected.Select((r, i) => run.Kind.Rejected(r, i + 1)).ToList();
        var added = await run.AddItemsAsync(findings.Select(f => f.ToNewItem()), ct).ConfigureAwait(false);
        run.Counters.AddFound(added.Count);
        for (var i = 0; i < added.Count; i++) run.Report(added[i], findings[i].Outcome);
    }

    /// <summary>The same request finished before: what it remediated stays remediated, and this run's counts say so.</summary>
    private static async Task CarryOverAsync(RunContext run, KindRun work, ActionRecord previous, CancellationToken ct)
    {
        var reason = run.Kind.CarryOverReason(previous.Id);
        var batch = new List<NewItem>(500);
        await foreach (var item in run.Store.GetItemsAsync(previous.Id, new ItemQuery { States = [ItemState.Done, ItemState.Already] }, ct).ConfigureAwait(false))
        {
            batch.Add(new NewItem(item.Key, item.Target, item.DataJson, ItemState.Already, reason));
            if (batch.Count == 500) await FlushAsync().ConfigureAwait(false);
        }
        await FlushAsync().ConfigureAwait(false);

        async Task FlushAsync()
        {
            if (batch.Count == 0) return;
            foreach (var item in await run.AddItemsAsync(batch, ct).ConfigureAwait(false))
            {
                work.Known(item);
                run.Counters.AddFound(1);
                run.Report(item, ItemOutcome.None);
            }
            batch.Clear();
        }
    }

    /// <summary>Whatever the journal says is unfinished (a resume, an approved action, an undo): verify what may have happened, do the rest.</summary>
    private static async Task ApplyOpenAsync(RunContext run, KindRun work, CancellationToken ct)
    {
        var page = new List<ItemRecord>(OpenPage);
        await foreach (var item in run.Store.GetItemsAsync(run.Id, new ItemQuery { States = [ItemState.Planned, ItemState.InProgress] }, ct).ConfigureAwait(false))
        {
            work.Known(item);
            page.Add(item);
            if (page.Count == OpenPage)
            {
                await ApplyPageAsync().ConfigureAwait(false);
                page = new List<ItemRecord>(OpenPage);
            }
        }
        await ApplyPageAsync().ConfigureAwait(false);

        async Task ApplyPageAsync()
        {
            if (page.Count == 0) return;
            run.Counters.AddFound(page.Count);
            await work.ApplyAsync(page, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One unit: its findings journaled in batches (Planned ones confirmed first), then its open items applied.</summary>
    private static async Task DiscoverAsync(RunContext run, KindRun work, string unit, Confirm? confirm, CancellationToken ct)
    {
        if (work.StopDiscovery) return;
        var open = new List<ItemRecord>();
        var batch = new List<Finding>(JournalBatch);
        await foreach (var f in work.DiscoverAsync(unit, ct).ConfigureAwait(false))
        {
            if (f.State == ItemState.Planned && confirm is not null && f.ConfirmTarget is not null && !confirm(f.ConfirmTarget, f.ConfirmAction ?? f.Reason ?? ""))
                continue;
            batch.Add(f);
            if (batch.Count == JournalBatch)
            {
                open.AddRange(await JournalAsync(run, work, batch, ct).ConfigureAwait(false));
                batch.Clear();
            }
            if (work.StopDiscovery) break;
        }
        if (batch.Count > 0) open.AddRange(await JournalAsync(run, work, batch, ct).ConfigureAwait(false));
        // Changes start once the unit is fully listed: moving messages while paging would shift the pages under the listing.
        if (open.Count > 0) await work.ApplyAsync(open, ct).ConfigureAwait(false);
        run.Counters.UnitScanned();
    }

    private static async Task<IReadOnlyList<ItemRecord>> JournalAsync(RunContext run, KindRun work, List<Finding> findings, CancellationToken ct)
    {
        var records = await run.AddItemsAsync(findings.Select(f => f.ToNewItem()), ct).ConfigureAwait(false);
        var open = new List<ItemRecord>();
        for (var i = 0; i < records.Count; i++)
        {
            var (r, f) = (records[i], findings[i]);
            if (r.State is ItemState.Planned or ItemState.InProgress)
            {
                open.Add(r);
            }
            else if (r.Attempts == 0 && r.State == f.State && r.Reason == f.Reason)
            {
                // A new final finding (or the same one found again): reported. One finished by an earlier run was reported by it.
                run.Counters.AddFound(1);
                run.Report(r, f.Outcome);
            }
        }
        var admitted = await work.AdmitAsync(open, ct).ConfigureAwait(false);
        run.Counters.AddFound(admitted.Count);
        return admitted;
    }

    /// <summary>Ends the run: Completed, PartiallyCompleted or Failed from the journal's counts.</summary>
    private static async Task<(ActionRecord, ItemCounts)> CompleteAsync(RunContext run)
    {
        var counts = await run.Store.GetItemCountsAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
        var open = counts.Planned + counts.InProgress;
        if (open > 0)
            throw new InvalidOperationException($"Action {run.Id} still has {open} unfinished items; it cannot be completed.");
        var to = counts.Failed == 0 ? ActionState.Completed
            : counts.Done + counts.Already + counts.Skipped > 0 ? ActionState.PartiallyCompleted
            : ActionState.Failed;
        var r = await run.Store.TryTransitionAsync(run.Id, [ActionState.Running], to, run.Who,
            new ActionChanges { ExpectedLeaseOwner = run.LeaseOwner }, CancellationToken.None).ConfigureAwait(false);
        run.Action = r.EnsureSucceeded();
        return (run.Action, counts);
    }

    /// <summary>Records that the run was stopped by the user; the action stays resumable.</summary>
    private static async Task<(ActionRecord, ItemCounts)> CancelAsync(RunContext run)
    {
        // The caller's token is already cancelled; this bookkeeping gets a few seconds of its own.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var r = await run.Store.TryTransitionAsync(run.Id, [ActionState.Running], ActionState.Cancelled,
            run.Who with { Reason = "Stopped by the user (Ctrl+C)." }, new ActionChanges { ExpectedLeaseOwner = run.LeaseOwner }, cts.Token).ConfigureAwait(false);
        if (r.Succeeded) run.Action = r.Action!;
        var counts = await run.Store.GetItemCountsAsync(run.Id, cts.Token).ConfigureAwait(false);
        return (run.Action, counts);
    }

    private static async Task ReleaseAsync(RunContext run)
    {
        try
        {
            await run.Store.ReleaseLeaseAsync(run.Id, run.LeaseOwner!, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AirException e)
        {
            AirLog.Current.Warning($"Could not give up the lease of action {run.Id} ({e.Message}); it expires by itself within {ActionPipeline.LeaseDuration.TotalSeconds:0} s.");
        }
    }
}
