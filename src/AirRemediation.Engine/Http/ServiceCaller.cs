using AirRemediation.Engine.Diagnostics;

namespace AirRemediation.Engine.Http;

/// <summary>
/// The one retry loop every service call of a session goes through: per-mailbox gate and global cap, Retry-After
/// honoured for the mailbox that was throttled, exponential backoff with jitter for 5xx/timeouts/dropped
/// connections, one token renewal on 401, no retry of any other 4xx. Before re-sending a write that may have been
/// applied, it asks <c>verify</c> whether it was — so nothing is done twice.
/// </summary>
/// <remarks>
/// One instance per session (<c>AirSession.Caller</c>): every run, every sync and the approval path share its mailbox
/// gates and its app-wide rate, so a second run in the same session starts from what the first learned about the
/// app's limit instead of overshooting it again. Counters go to the session's totals and to the run measuring itself
/// with <see cref="Measure"/>.
/// </remarks>
internal sealed class ServiceCaller
{
    private static readonly AsyncLocal<bool> ForceRefresh = new();
    private static readonly AsyncLocal<ExecutionMetrics?> RunMetrics = new();

    private readonly RetryOptions options;
    private readonly ThrottleRegistry throttle;
    private readonly AppRateLimiter appRate;
    private readonly ExecutionMetrics totals = new();

    public ServiceCaller(RetryOptions options, TimeProvider clock)
    {
        this.options = options;
        throttle = new ThrottleRegistry(options, clock, () => metrics);
        appRate = new AppRateLimiter(options, clock);
    }

    /// <summary>Set while a request is re-sent after a 401: the token source must fetch a new token.</summary>
    public static bool ForceRefreshRequested => ForceRefresh.Value;

    public RetryOptions Options => options;
    public TimeProvider Clock => throttle.Clock;

    /// <summary>Everything this session sent.</summary>
    public ExecutionMetrics Totals => totals;

    /// <summary>The app-wide rate the session has learned (requests per second).</summary>
    public double CurrentRate => appRate.CurrentRate;

    /// <summary>Mailboxes the session holds a gate for.</summary>
    public int TrackedMailboxes => throttle.TrackedMailboxes;

    /// <summary>Counts the calls made on this async flow (and the tasks it starts) into <paramref name="run"/> as well, until disposed.</summary>
    public static IDisposable Measure(ExecutionMetrics run)
    {
        var previous = RunMetrics.Value;
        RunMetrics.Value = run;
        return new Restore(previous);
    }

    private sealed class Restore(ExecutionMetrics? previous) : IDisposable
    {
        public void Dispose() => RunMetrics.Value = previous;
    }

    private MetricsPair metrics => new(totals, RunMetrics.Value);

    /// <param name="service">A service whose requests share one concurrency cap and one pause (Exchange's admin API is
    /// limited per tenant); null for none.</param>
    public async Task<T> CallAsync<T>(string? mailbox, Func<CancellationToken, Task<T>> call, CancellationToken ct,
        Func<CancellationToken, Task<T?>>? verify = null, string? service = null) where T : class
    {
        var attempt = 0;
        var transient = 0;
        var throttledFor = TimeSpan.Zero;
        var throttledCount = 0;
        var refreshed = false;
        var busy = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            ServiceCallException failure;
            using (await throttle.EnterAsync(mailbox, ct, service).ConfigureAwait(false))
            {
                await appRate.WaitAsync(ct).ConfigureAwait(false);
                HttpAttempt.Current = attempt;
                metrics.AddRequest();
                try
                {
                    var result = await call(ct).ConfigureAwait(false);
                    appRate.Completed();
                    return result;
                }
                catch (Exception e)
                {
                    failure = ServiceErrorClassifier.Classify(e, Clock.GetUtcNow(), ct) ?? throw Rethrow(e);
                    if (failure.Kind == FailureKind.Throttled && IsAppWide(failure, mailbox)) appRate.Throttled();
                    else appRate.Completed();
                }
                finally
                {
                    ForceRefresh.Value = false;
                }
            }

            attempt++;
            switch (failure.Kind)
            {
                case FailureKind.Throttled:
                {
                    metrics.AddThrottled();
                    throttledCount++;
                    var delay = ThrottleDelay(failure, throttledCount, mailbox);
                    throttledFor += delay;
                    if (throttledFor > options.MaxThrottleWait) throw failure;
                    if (IsAppWide(failure, mailbox))
                    {
                        // The app as a whole is over its rate: the limiter has slowed everyone down; this request waits
                        // its Retry-After (spread by jitter so the waiters do not come back together). The mailbox is fine.
                        await Task.Delay(delay * (1 + 0.5 * Random.Shared.NextDouble()), Clock, ct).ConfigureAwait(false);
                    }
                    else if (failure.OwnLimit && mailbox is null)
                    {
                        // A limit of the service's own (message trace's queries): this request waits until it frees.
                        await Task.Delay(delay, Clock, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        throttle.Pause(mailbox, delay);
                    }
                    break;
                }
                case FailureKind.TenantBusy:
                {
                    // Not applied; the tenant has too many requests in flight. Every request to the service waits the same
                    // backoff (a pause on its shared gate), so the session backs off as a whole instead of each call on its own.
                    metrics.AddThrottled();
                    var delay = Backoff(++busy);
                    throttledFor += delay;
                    if (throttledFor > options.MaxThrottleWait) throw failure;
                    AirLog.Current.Verbose($"{failure.Message} Waiting {delay.TotalSeconds:0.0} s before trying again.");
                    if (service is not null) throttle.PauseService(service, delay);
                    else await Task.Delay(delay, Clock, ct).ConfigureAwait(false);
                    break;
                }
                case FailureKind.Transient:
                    metrics.AddTransient();
                    if (++transient >= options.MaxTransientAttempts) throw failure;
                    await Task.Delay(Backoff(transient), Clock, ct).ConfigureAwait(false);
                    break;
                case FailureKind.Unauthorized when !refreshed:
                    refreshed = true;
                    ForceRefresh.Value = true;
                    break;
                default:
                    throw failure;
            }
            metrics.AddRetry();

            if (verify is not null && failure.MayHaveApplied)
            {
                // The write may have happened although we got no success answer; find out before sending it again.
                var applied = await verify(ct).ConfigureAwait(false);
                if (applied is not null) return applied;
            }
        }
    }

    /// <summary>
    /// A 429 about the app as a whole rather than one mailbox. Outlook's per-mailbox limits answer ApplicationThrottled
    /// ("Application is over its MailboxConcurrency limit."); anything else, or any 429 on a request without a mailbox,
    /// is taken as app-wide — except a limit of the service's own (<see cref="ServiceCallException.OwnLimit"/>).
    /// </summary>
    private static bool IsAppWide(ServiceCallException failure, string? mailbox) =>
        !failure.OwnLimit
        && (mailbox is null
            || !(string.Equals(failure.Code, "ApplicationThrottled", StringComparison.OrdinalIgnoreCase)
                 || failure.Message.Contains("Mailbox", StringComparison.OrdinalIgnoreCase)));

    private TimeSpan ThrottleDelay(ServiceCallException failure, int count, string? mailbox)
    {
        var target = mailbox ?? "the service";
        if (failure.RetryAfter is { } ra)
        {
            if (ra <= options.MaxRetryAfter) return ra < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : ra;
            AirLog.Current.Warning($"Throttled on {target} with Retry-After {ra.TotalSeconds:0} s; waiting the cap of {options.MaxRetryAfter.TotalSeconds:0} s instead.");
            return options.MaxRetryAfter;
        }
        if (!string.IsNullOrWhiteSpace(failure.RetryAfterRaw))
            AirLog.Current.Warning($"Throttled on {target} with an unreadable Retry-After '{failure.RetryAfterRaw}'; backing off exponentially.");
        return Backoff(count);
    }

    /// <summary>Exponential, capped, with ±50% jitter so that many waiting requests do not come back together.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var raw = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16));
        var capped = Math.Min(raw, options.MaxDelay.TotalMilliseconds);
        var jittered = capped * (0.5 + Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(jittered);
    }

    private static Exception Rethrow(Exception e)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        return e;
    }
}
