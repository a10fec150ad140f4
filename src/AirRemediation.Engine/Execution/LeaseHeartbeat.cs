using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// Keeps a Running action's lease alive while a session executes it, and tells the session when it has lost the lease
/// (another session took it over after it went stale, e.g. because this process was suspended): the run passes
/// <see cref="LeaseLost"/> into its work and stops before the next side effect.
/// </summary>
/// <remarks>
/// Beats on the store's clock, so a test drives it with a fake one. A renewal that fails because the store is briefly
/// unavailable (locked, network) is retried at the next beat; only when the lease's own expiry passes without a successful
/// renewal, or the store says another session holds it, is the lease considered lost. Disposing stops renewing; it does
/// not release the lease (the run's final transition does that).
/// </remarks>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly IActionStore store;
    private readonly string actionId;
    private readonly TimeSpan duration;
    private readonly TimeSpan interval;
    private readonly CancellationTokenSource lost = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private TaskCompletionSource beat = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long expiresTicks;
    private int renewals;

    private LeaseHeartbeat(IActionStore store, string actionId, string owner, TimeSpan duration, TimeSpan interval)
    {
        this.store = store;
        this.actionId = actionId;
        Owner = owner;
        this.duration = duration;
        this.interval = interval;
        expiresTicks = (store.Clock.GetUtcNow() + duration).UtcTicks;
        // Not Task.Run: the first wait is registered on the clock before Start returns.
        loop = RunAsync();
    }

    /// <summary>Starts renewing a lease that <paramref name="owner"/> already holds (taken by the transition to Running).</summary>
    public static LeaseHeartbeat Start(IActionStore store, string actionId, string owner, TimeSpan duration, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "A lease must last a positive time.");
        if (interval <= TimeSpan.Zero || interval >= duration)
            throw new ArgumentOutOfRangeException(nameof(interval), "The heartbeat must beat more often than the lease lasts.");
        return new LeaseHeartbeat(store, actionId, owner, duration, interval);
    }

    /// <summary>The session holding the lease.</summary>
    public string Owner { get; }

    /// <summary>Cancelled when the lease is lost. Stop before the next side effect.</summary>
    public CancellationToken LeaseLost => lost.Token;

    public bool IsLost => lost.IsCancellationRequested;

    /// <summary>Expiry after the last successful renewal.</summary>
    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref expiresTicks), TimeSpan.Zero);

    /// <summary>Successful renewals so far.</summary>
    public int Renewals => Volatile.Read(ref renewals);

    /// <summary>The last renewal error, if the store was unavailable at some beat.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Completes when the next beat has been handled and the one after it is scheduled (for tests on a fake clock).</summary>
    internal Task NextBeat => Volatile.Read(ref beat).Task;

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var wait = Task.Delay(interval, store.Clock, stop.Token);
                Interlocked.Exchange(ref beat, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                await wait.ConfigureAwait(false);
                var r = await store.RenewLeaseAsync(actionId, Owner, duration, stop.Token).ConfigureAwait(false);
                if (!r.Acquired)
                {
                    await LoseAsync().ConfigureAwait(false);
                    return;
                }
                Interlocked.Exchange(ref expiresTicks, r.Action!.LeaseExpiresAt!.Value.UtcTicks);
                Interlocked.Increment(ref renewals);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (AirException e) when (e.Kind == AirErrorKind.StoreUnavailable)
            {
                LastError = e;
                AirLog.Current.Warning($"Could not renew the lease of action {actionId}: {e.Message}");
                if (store.Clock.GetUtcNow() >= ExpiresAt)
                {
                    await LoseAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        Volatile.Read(ref beat).TrySetResult();
    }

    private async Task LoseAsync()
    {
        await lost.CancelAsync().ConfigureAwait(false);
        Volatile.Read(ref beat).TrySetResult();
    }

    /// <summary>Stops renewing.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
        lost.Dispose();
    }
}
