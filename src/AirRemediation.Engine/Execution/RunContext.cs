using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// One run of one action as its kind sees it: the session's services, the action and the lease this run holds, and
/// the only ways a kind writes its journal — every item write carries the lease owner, so a session whose action was
/// taken over cannot write another item (the store refuses with Conflict). In a -WhatIf plan there is no action and
/// no journal: the kind only discovers.
/// </summary>
internal sealed class RunContext
{
    private readonly IActionStore? store;

    public RunContext(AirSession session, IActionStore? store, RemediationKind kind, RunSink sink, AuditContext who)
    {
        Session = session;
        this.store = store;
        Kind = kind;
        Sink = sink;
        Who = who;
    }

    public AirSession Session { get; }
    public RemediationKind Kind { get; }
    public RunSink Sink { get; }
    public AuditContext Who { get; }
    public ServiceCaller Caller => Session.Caller;
    public RetryOptions Options => Session.Caller.Options;
    public TimeProvider Clock => Session.Clock;

    /// <summary>The journal; absent in a -WhatIf plan.</summary>
    public IActionStore Store => store ?? throw new InvalidOperationException("A -WhatIf plan has no journal.");

    public bool IsPlan => store is null;

    /// <summary>The action being run (set once the run holds it).</summary>
    public ActionRecord Action { get; internal set; } = null!;

    public string Id => Action?.Id ?? "";

    /// <summary>The lease this run holds on <see cref="Action"/>.</summary>
    public string? LeaseOwner { get; internal set; }

    /// <summary>Cancelled when another session took the action over.</summary>
    public CancellationToken LeaseLost { get; internal set; }

    /// <summary>For an undo run: the action it reverses.</summary>
    public ActionRecord? Original { get; internal set; }

    public bool IsUndo => Original is not null;

    /// <summary>Requests this run sent (the session's caller counts into it while the run measures itself).</summary>
    public ExecutionMetrics Metrics { get; } = new();

    public RunCounters Counters { get; } = new();

    /// <summary>Adds items to the journal (a key already there returns the existing item unchanged).</summary>
    public Task<IReadOnlyList<ItemRecord>> AddItemsAsync(IEnumerable<NewItem> items, CancellationToken ct) =>
        Store.AddItemsAsync(Id, items, ct);

    /// <summary>Marks items InProgress (one more attempt) before their side effect; durable when the task completes.</summary>
    public Task<IReadOnlyList<ItemRecord>> StartAsync(IEnumerable<ItemRecord> items, CancellationToken ct, Func<ItemRecord, string?>? before = null) =>
        Store.UpdateItemsAsync(Id, [.. items.Select(i => new ItemUpdate(i.Seq, ItemState.InProgress)
        {
            IncrementAttempts = true, BeforeJson = before?.Invoke(i), LeaseOwner = LeaseOwner,
        })], ct);

    /// <summary>Marks one item InProgress before its side effect, optionally with new data and its before-state.</summary>
    public Task<ItemRecord> StartAsync(ItemRecord item, CancellationToken ct, string? dataJson = null, string? beforeJson = null) =>
        Store.UpdateItemAsync(Id, new ItemUpdate(item.Seq, ItemState.InProgress)
        {
            IncrementAttempts = true, DataJson = dataJson, BeforeJson = beforeJson, LeaseOwner = LeaseOwner,
        }, ct);

    /// <summary>
    /// Writes an item's outcome and reports it. Written even if the user pressed Ctrl+C right now — the side effect has
    /// happened — but never after the lease was lost.
    /// </summary>
    public async Task<ItemRecord> FinishAsync(ItemRecord item, ItemState state, string? reason, ItemOutcome? outcome = null,
        string? dataJson = null, string? afterJson = null)
    {
        var updated = await Store.UpdateItemAsync(Id, new ItemUpdate(item.Seq, state)
        {
            Reason = reason, DataJson = dataJson, AfterJson = afterJson, LeaseOwner = LeaseOwner,
        }, CancellationToken.None).ConfigureAwait(false);
        Report(updated, outcome ?? ItemOutcome.None);
        return updated;
    }

    /// <summary>Reports an item that reached its final state to the caller (pipeline output) and to progress.</summary>
    public void Report(ItemRecord item, ItemOutcome outcome)
    {
        Counters.AddFinished(item.State == ItemState.Failed);
        Sink.Item(Kind.ResultOf(this, item, outcome));
    }
}
