using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// The part of one run that differs by kind. The pipeline calls it in this order: <see cref="PrepareAsync"/> (before the
/// action is created or taken over), <see cref="BeginAsync"/>, <see cref="ApplyAsync"/> on whatever the journal left open, then for each unit from
/// <see cref="UnitsAsync"/> (a mailbox; the whole request for URL entries) <see cref="DiscoverAsync"/>, whose findings it
/// journals, <see cref="AdmitAsync"/>, and <see cref="ApplyAsync"/> on the new open items. An undo run only applies.
/// </summary>
internal abstract class KindRun(RunContext run)
{
    protected RunContext Run { get; } = run;

    /// <summary>Reads what the whole run needs before anything is journaled (accepted domains…). Failing here creates no action.</summary>
    public virtual Task PrepareAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Called once the run holds its action, before anything else is journaled (e.g. to read what the journal already counts).</summary>
    public virtual Task BeginAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The units to discover, streamed; none for an undo run.</summary>
    public virtual IAsyncEnumerable<string> UnitsAsync(CancellationToken ct) => None<string>();

    /// <summary>How many units are discovered at once.</summary>
    public virtual int UnitParallelism => 1;

    /// <summary>What one unit holds. A unit that cannot be read is itself a finding (Failed or Skipped), never an exception.</summary>
    public virtual IAsyncEnumerable<Finding> DiscoverAsync(string unit, CancellationToken ct) => None<Finding>();

    /// <summary>True once discovery must stop (a safety limit was reached); units not yet started are not looked at.</summary>
    public virtual bool StopDiscovery => false;

    /// <summary>
    /// Which of the open items just journaled will be applied; the kind finishes the others itself (e.g. Skipped over a
    /// safety limit). Called per journaled batch, so a limit stops the listing early.
    /// </summary>
    public virtual Task<IReadOnlyList<ItemRecord>> AdmitAsync(IReadOnlyList<ItemRecord> open, CancellationToken ct) => Task.FromResult(open);

    /// <summary>Told of every item the run knows before discovery (carried over, or left open by an interrupted run).</summary>
    public virtual void Known(ItemRecord item) { }

    /// <summary>
    /// Makes the side effect of open items: each InProgress (attempt counted) before it, Done/Already/Failed/Skipped after.
    /// An item that was InProgress when a run was interrupted is verified before anything is sent again. A service
    /// failure of one item is that item's Failed outcome, never an exception.
    /// </summary>
    public abstract Task ApplyAsync(IReadOnlyList<ItemRecord> items, CancellationToken ct);

    /// <summary>True when a safety limit stopped the run short of everything it found.</summary>
    public virtual bool LimitReached => false;

    /// <summary>A note for the run's summary (why it stopped short), or null.</summary>
    public virtual string? Note => null;

    protected static async IAsyncEnumerable<T> None<T>([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        yield break;
    }
}
