namespace AirRemediation.Engine.Store;

/// <summary>
/// Keeps a Running action's lease alive while a session executes it, and tells the session when it has lost the lease
/// (another session took it over after it went stale, e.g. because this process was suspended): the executor passes
/// <see cref="LeaseLost"/> into its work and stops before the next side effect.
/// </summary>
/// <remarks>
/// Renews every <c>duration / 3</c> by default. A renewal that fails because the store is briefly unavailable (locked,
/// network) is retried at the next beat; only when the lease's own expiry passes without a successful renewal, or the store
/// says another session holds it, is the lease considered lost. Disposing stops renewing; it does not release the lease
/// (the final transition does that), unless <c>releaseOnDispose</c> was set.
/// </remarks>
public sealed class LeaseHeartbeat : IAsyncDisposable
{
    private readonly IActionStore _store;
    private readonly string _actionId;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _interval;
    private readonly bool _releaseOnDispose;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _expiresTicks;
    private int _renewals;

    private LeaseHeartbeat(IActionStore store, string actionId, string owner, TimeSpan duration, TimeSpan interval, bool releaseOnDispose)
    {
        _store = store;
        _actionId = actionId;
        Owner = owner;
        _duration = duration;
        _interval = interval;
        _releaseOnDispose = releaseOnDispose;
        _expiresTicks = (store.Clock.GetUtcNow() + duration).UtcTicks;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>A lease owner id for this session: <c>host/pid/random</c>, readable in "running in another session (…)" messages.</summary>
    public static string NewOwnerId() =>
        $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Starts renewing a lease that <paramref name="owner"/> already holds (taken by the transition to Running).</summary>
    public static LeaseHeartbeat Start(IActionStore store, string actionId, string owner, TimeSpan duration, TimeSpan? interval = null, bool releaseOnDispose = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "A lease must last a positive time.");
        }
        var every = interval ?? duration / 3;
        if (every <= TimeSpan.Zero || every >= duration)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "The heartbeat must beat more often than the lease lasts.");
        }
        return new LeaseHeartbeat(store, actionId, owner, duration, every, releaseOnDispose);
    }

    /// <summary>The session holding the lease.</summary>
    public string Owner { get; }

    /// <summary>Cancelled when the lease is lost. Stop before the next side effect.</summary>
    public CancellationToken LeaseLost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Expiry after the last successful renewal.</summary>
    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _expiresTicks), TimeSpan.Zero);

    /// <summary>Successful renewals so far.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>The last renewal error, if the store was unavailable at some beat.</summary>
    public Exception? LastError { get; private set; }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_interval, _store.Clock, _stop.Token).ConfigureAwait(false);
                var r = await _store.RenewLeaseAsync(_actionId, Owner, _duration, _stop.Token).ConfigureAwait(false);
                if (!r.Acquired)
                {
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                Interlocked.Exchange(ref _expiresTicks, r.Action!.LeaseExpiresAt!.Value.UtcTicks);
                Interlocked.Increment(ref _renewals);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (AirException e) when (e.Kind == AirErrorKind.StoreUnavailable)
            {
                LastError = e;
                if (_store.Clock.GetUtcNow() >= ExpiresAt)
                {
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    /// <summary>Stops renewing (and releases the lease if asked to at start).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_releaseOnDispose && !IsLost)
        {
            try
            {
                await _store.ReleaseLeaseAsync(_actionId, Owner, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AirException)
            {
                // The lease expires by itself; nothing more to do.
            }
        }
        _stop.Dispose();
        _lost.Dispose();
    }
}
