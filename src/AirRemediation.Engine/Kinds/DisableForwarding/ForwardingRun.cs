using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Http;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>
/// One run of Disable-AirMailForwarding, or of its undo. Each change is one item whose before-state (the rule's JSON, the
/// mailbox's forwarding fields) is written when it starts, so undo restores exactly what was there and an interrupted run
/// resumes without guessing.
/// </summary>
internal sealed class ForwardingRun : KindRun
{
    private readonly ForwardingRequest? request;
    private readonly ExchangeAdminClient exchange;
    private readonly RulesApi rules;
    private readonly ForwardingDiscovery discovery;
    private DomainSet? domains;

    /// <summary>A run over <paramref name="request"/>; null for an undo run, which only restores its journal's items.</summary>
    public ForwardingRun(RunContext run, ForwardingRequest? request) : base(run)
    {
        this.request = request;
        exchange = new ExchangeAdminClient(run.Session, run.Caller);
        rules = new RulesApi(run.Session);
        discovery = new ForwardingDiscovery(exchange, rules, run.Caller);
    }

    /// <summary>Mailboxes are independent: several at once (each still goes through its own mailbox gate).</summary>
    public override int UnitParallelism => Math.Clamp(Run.Options.MailboxParallelism, 1, 16);

    /// <summary>What "outside the organisation" means is read before the action is created: without it nothing can be decided.</summary>
    public override async Task PrepareAsync(CancellationToken ct)
    {
        if (request is not null) domains = await discovery.AcceptedDomainsAsync(ct).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<string> UnitsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (request is null) yield break;
        Run.Counters.SetUnitsTotal(request.Mailboxes.Count);
        foreach (var m in request.Mailboxes) yield return m;
    }

    public override async IAsyncEnumerable<Finding> DiscoverAsync(string mailbox, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var f in await discovery.DiscoverAsync(mailbox, domains!, request!, ct).ConfigureAwait(false))
            yield return f;
    }

    /// <summary>Mailbox by mailbox (several at once), each mailbox's changes one after the other.</summary>
    public override Task ApplyAsync(IReadOnlyList<ItemRecord> items, CancellationToken ct) =>
        Parallel.ForEachAsync(items.GroupBy(i => i.Target ?? "", StringComparer.OrdinalIgnoreCase),
            new ParallelOptions { MaxDegreeOfParallelism = UnitParallelism, CancellationToken = ct },
            async (mailbox, t) =>
            {
                foreach (var item in mailbox) await ApplyAsync(item, ForwardingItemData.FromJson(item.DataJson), t).ConfigureAwait(false);
            });

    private static readonly HashSet<ForwardingOp> ChangeOps = [ForwardingOp.None, ForwardingOp.Disable, ForwardingOp.Delete, ForwardingOp.Clear];
    private static readonly HashSet<ForwardingOp> UndoOps = [ForwardingOp.None, ForwardingOp.UndoEnable, ForwardingOp.UndoCreate, ForwardingOp.UndoRestore];

    /// <summary>Makes one change, journaled InProgress (with its before-state) before and Done/Already/Failed after.</summary>
    private async Task ApplyAsync(ItemRecord item, ForwardingItemData data, CancellationToken ct)
    {
        // Turning forwarding off only ever disables, deletes or clears; only its undo re-creates. An operation that is not
        // this action's (an "undo-create" of a rule forwarding outside, in a disable) was not written by this module.
        if (!(request is null ? UndoOps : ChangeOps).Contains(data.Op))
        {
            await FinishAsync(item, data, ItemState.Failed, ForwardingOutcome.Failed,
                $"The journal asks for '{data.Op}', which is not an operation of this action: it was changed outside AirRemediation and is not carried out.", AirErrorKind.Tampered).ConfigureAwait(false);
            return;
        }
        var resumed = item.State == ItemState.InProgress;
        var before = item.BeforeJson ?? data.Before;
        item = await Run.StartAsync(item, ct, beforeJson: before).ConfigureAwait(false);
        var mbx = data.Mailbox;
        try
        {
            switch (data.Op)
            {
                case ForwardingOp.Disable:
                    // PATCH isEnabled=false is idempotent: re-sending it after an unclear failure is safe.
                    await Run.Caller.CallAsync(mbx, t => rules.SetEnabledAsync(mbx, data.RuleId!, false, t), ct).ConfigureAwait(false);
                    await FinishAsync(item, data, ItemState.Done, ForwardingOutcome.Disabled, null).ConfigureAwait(false);
                    break;
                case ForwardingOp.Delete:
                    await DeleteAsync(item, data, resumed || item.Attempts > 1, ct).ConfigureAwait(false);
                    break;
                case ForwardingOp.Clear:
                {
                    var p = new Dictionary<string, object?> { ["Identity"] = mbx };
                    if (data.ClearSmtp) p["ForwardingSmtpAddress"] = null;
                    if (data.ClearAddress) p["ForwardingAddress"] = null;
                    if (data.ResetDeliver) p["DeliverToMailboxAndForward"] = false;
                    await exchange.InvokeAsync("Set-Mailbox", p, mbx, ct).ConfigureAwait(false);
                    await FinishAsync(item, data, ItemState.Done, ForwardingOutcome.Cleared, null).ConfigureAwait(false);
                    break;
                }
                case ForwardingOp.UndoEnable:
                {
                    var rule = JsonNode.Parse(before!) as JsonObject ?? [];
                    var enabled = (bool?)rule["isEnabled"] ?? true;
                    await Run.Caller.CallAsync(mbx, t => rules.SetEnabledAsync(mbx, data.RuleId!, enabled, t), ct).ConfigureAwait(false);
                    await FinishAsync(item, data, ItemState.Done, ForwardingOutcome.Restored, enabled ? "Re-enabled." : "Left disabled, as it was.").ConfigureAwait(false);
                    break;
                }
                case ForwardingOp.UndoCreate:
                    await RecreateAsync(item, data, JsonNode.Parse(before!) as JsonObject ?? [], resumed, ct).ConfigureAwait(false);
                    break;
                case ForwardingOp.UndoRestore:
                {
                    var was = MailboxForwarding.FromJson(before!);
                    var p = new Dictionary<string, object?> { ["Identity"] = mbx };
                    if (data.ClearSmtp) p["ForwardingSmtpAddress"] = was.ForwardingSmtpAddress;
                    if (data.ClearAddress) p["ForwardingAddress"] = was.ForwardingAddress;
                    p["DeliverToMailboxAndForward"] = was.DeliverToMailboxAndForward;
                    await exchange.InvokeAsync("Set-Mailbox", p, mbx, ct).ConfigureAwait(false);
                    await FinishAsync(item, data, ItemState.Done, ForwardingOutcome.Restored, "Mailbox forwarding set back to what it was.").ConfigureAwait(false);
                    break;
                }
                default:
                    await FinishAsync(item, data, ItemState.Skipped, ForwardingOutcome.Skipped, $"Nothing to do for '{data.Op}'.").ConfigureAwait(false);
                    break;
            }
        }
        catch (ServiceCallException e)
        {
            var err = ForwardingErrors.Mailbox(mbx, e, data.Kind == ForwardingItemKind.InboxRule ? $"rule '{data.RuleName}' could not be changed" : "its mailbox forwarding could not be changed");
            await FinishAsync(item, data, ItemState.Failed, ForwardingOutcome.Failed, err.Message, err.Kind).ConfigureAwait(false);
        }
    }

    private async Task DeleteAsync(ItemRecord item, ForwardingItemData data, bool triedBefore, CancellationToken ct)
    {
        var mbx = data.Mailbox;
        try
        {
            await Run.Caller.CallAsync(mbx, async t => { await rules.DeleteAsync(mbx, data.RuleId!, t).ConfigureAwait(false); return string.Empty; }, ct).ConfigureAwait(false);
            await FinishAsync(item, data, ItemState.Done, ForwardingOutcome.Removed, "Deleted; Undo-AirAction re-creates it from the journal.").ConfigureAwait(false);
        }
        catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
        {
            // Gone: deleted by the interrupted run (or by a retried request) — ours; otherwise someone else's.
            await FinishAsync(item, data, triedBefore ? ItemState.Done : ItemState.Already, triedBefore ? ForwardingOutcome.Removed : ForwardingOutcome.AlreadyOff,
                triedBefore ? "Deleted (confirmed: the rule is gone)." : "The rule no longer exists.").ConfigureAwait(false);
        }
    }

    private async Task RecreateAsync(ItemRecord item, ForwardingItemData data, JsonObject rule, bool resumed, CancellationToken ct)
    {
        var mbx = data.Mailbox;
        if (resumed && await FindRecreatedAsync(mbx, rule, ct).ConfigureAwait(false) is { } existing)
        {
            await FinishAsync(item, data with { RuleId = (string?)existing["id"] }, ItemState.Done, ForwardingOutcome.Restored, "Re-created (confirmed after an interrupted run).").ConfigureAwait(false);
            return;
        }
        var created = await Run.Caller.CallAsync(mbx, t => rules.CreateAsync(mbx, rule, t), ct,
            verify: async t => await FindRecreatedAsync(mbx, rule, t).ConfigureAwait(false)).ConfigureAwait(false);
        await FinishAsync(item, data with { RuleId = (string?)created["id"] }, ItemState.Done, ForwardingOutcome.Restored,
            $"Re-created from the journal (new id {(string?)created["id"]}).").ConfigureAwait(false);
    }

    private async Task<JsonObject?> FindRecreatedAsync(string mailbox, JsonObject recorded, CancellationToken ct)
    {
        var list = await Run.Caller.CallAsync(mailbox, t => rules.ListAsync(mailbox, t), ct).ConfigureAwait(false);
        var name = (string?)recorded["displayName"];
        var actions = recorded["actions"]?.ToJsonString();
        return list.FirstOrDefault(r => (string?)r["displayName"] == name && r["actions"]?.ToJsonString() == actions
                                        && (string?)r["id"] != (string?)recorded["id"]);
    }

    private Task FinishAsync(ItemRecord item, ForwardingItemData data, ItemState state, ForwardingOutcome outcome, string? reason, AirErrorKind? error = null) =>
        Run.FinishAsync(item, state, reason, new ItemOutcome(outcome, error), data.ToJson(),
            data.RuleId is null ? null : new JsonObject { ["ruleId"] = data.RuleId }.ToJsonString());
}
