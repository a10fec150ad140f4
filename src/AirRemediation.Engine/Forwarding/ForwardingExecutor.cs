using System.Text.Json.Nodes;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Forwarding;

/// <summary>
/// Turns off forwarding out of the organisation for mailboxes: inbox rules (Graph messageRules) whose forwardTo,
/// forwardAsAttachmentTo or redirectTo reach outside the accepted domains are disabled (or deleted), and mailbox
/// forwarding (ForwardingSmtpAddress, ForwardingAddress) to such addresses is cleared with Set-Mailbox. Each change is
/// one journaled item whose before-state (the rule's JSON, the mailbox's forwarding fields) is written before the
/// change, so undo restores exactly what was there and a killed run resumes without guessing.
/// </summary>
internal sealed class ForwardingExecutor
{
    private const string Activity = "Disable mail forwarding";

    private readonly AirSession session;
    private readonly IActionStore store;
    private readonly RunSink sink;
    private readonly ExecutionMetrics metrics = new();
    private readonly ServiceCaller caller;
    private readonly ExchangeAdminClient exchange;
    private readonly RulesApi rules;
    private readonly RetryOptions options;
    private long scanned;
    private long finished;
    private long failed;

    public ForwardingExecutor(AirSession session, IActionStore store, RetryOptions options, RunSink sink)
    {
        this.session = session;
        this.store = store;
        this.sink = sink;
        this.options = options;
        caller = new ServiceCaller(options, new ThrottleRegistry(options, session.Clock, metrics), metrics);
        exchange = new ExchangeAdminClient(session, caller);
        rules = new RulesApi(session);
    }

    /// <summary>One thing found in a mailbox: a change to make (Planned) or an outcome to report (Already, Skipped, Failed).</summary>
    private sealed record Finding(string Key, ForwardingItemData Data, ItemState State, string Outcome, string? Reason, AirErrorKind? Error = null)
    {
        public ForwardingChange ToChange() => new(Data.Mailbox, Data.Kind, Data.RuleName, Data.Targets ?? [], Outcome);
    }

    // ---------------------------------------------------------------- accepted domains

    /// <summary>The accepted domains (Exchange's Get-AcceptedDomain; Graph's verified /domains when that fails).</summary>
    public async Task<DomainSet> AcceptedDomainsAsync(CancellationToken ct)
    {
        string? why;
        try
        {
            var r = await exchange.InvokeAsync("Get-AcceptedDomain", new Dictionary<string, object?>(), null, ct).ConfigureAwait(false);
            var names = r.Values.Select(v => (string?)v["DomainName"] ?? (string?)v["Name"]).OfType<string>().ToList();
            if (names.Count > 0) return new DomainSet(names, "Get-AcceptedDomain");
            why = "Get-AcceptedDomain returned no domains";
        }
        catch (ServiceCallException e) { why = $"Get-AcceptedDomain failed ({e.Status} {e.Code}: {e.Message})"; }
        catch (AirException e) when (e.Kind == AirErrorKind.NotConnected) { why = e.Message; }
        AirLog.Current.Warning($"{why}; deciding what is external from the tenant's verified domains (Graph /domains) instead.");
        try
        {
            var names = await caller.CallAsync(null, t => rules.VerifiedDomainsAsync(t), ct).ConfigureAwait(false);
            if (names.Count > 0) return new DomainSet(names, "Graph /domains");
        }
        catch (ServiceCallException e)
        {
            throw new AirException(e.ToErrorKind(), $"The organisation's domains could not be read, so external forwarding can't be told from internal: {why}; Graph /domains failed too ({e.Status} {e.Code}: {e.Message}).") { HttpStatus = e.Status, ServiceCode = e.Code };
        }
        throw new AirException(AirErrorKind.ServiceError, $"The organisation's domains could not be read ({why}; Graph /domains returned none), so external forwarding can't be told from internal.");
    }

    // ---------------------------------------------------------------- discovery (reads only)

    private async Task<List<Finding>> DiscoverAsync(string mailbox, DomainSet domains, ForwardingRequest request, CancellationToken ct)
    {
        var found = new List<Finding>();
        try
        {
            var list = await caller.CallAsync(mailbox, t => rules.ListAsync(mailbox, t), ct).ConfigureAwait(false);
            foreach (var rule in list)
            {
                var targets = Targets(rule);
                if (targets.Count == 0) continue;
                var stop = request.IncludeInternal ? targets : targets.Where(domains.IsExternal).ToList();
                if (stop.Count == 0) continue;   // internal forwarding: left alone unless -IncludeInternal
                var id = (string?)rule["id"] ?? "";
                var name = (string?)rule["displayName"];
                var data = new ForwardingItemData(mailbox, "InboxRule", request.RemoveRule ? "delete" : "disable", id, name, stop, rule.ToJsonString());
                var key = $"rule|{mailbox}|{id}";
                if ((bool?)rule["isReadOnly"] == true)
                    found.Add(new Finding(key, data, ItemState.Skipped, "NotChangeable",
                        "Read-only rule: the Graph rules API can't change or delete it. Remove it in Outlook, or with Disable-InboxRule/Remove-InboxRule in Exchange Online PowerShell."));
                else if (!request.RemoveRule && (bool?)rule["isEnabled"] == false)
                    found.Add(new Finding(key, data, ItemState.Already, "AlreadyOff", "The rule is already disabled."));
                else
                    found.Add(new Finding(key, data, ItemState.Planned, request.RemoveRule ? "WouldRemove" : "WouldDisable",
                        $"{(request.RemoveRule ? "Delete" : "Disable")} inbox rule '{name}' that forwards to {string.Join(", ", stop)}"));
            }
        }
        catch (ServiceCallException e)
        {
            var err = MailboxError(mailbox, e, "its inbox rules could not be read");
            found.Add(new Finding($"rules|{mailbox}", new ForwardingItemData(mailbox, "InboxRule", "none"), ItemState.Failed, "Failed", err.Message, err.Kind));
        }

        try
        {
            var r = await exchange.InvokeAsync("Get-Mailbox", new Dictionary<string, object?> { ["Identity"] = mailbox }, mailbox, ct).ConfigureAwait(false);
            var m = r.Values.FirstOrDefault();
            if (m is not null)
            {
                var smtp = (string?)m["ForwardingSmtpAddress"] is { Length: > 0 } s ? s : null;
                var addr = (string?)m["ForwardingAddress"] is { Length: > 0 } a ? a : null;
                var deliver = (bool?)m["DeliverToMailboxAndForward"] ?? false;
                var bareSmtp = smtp is null ? null : StripSmtp(smtp);
                var clearSmtp = bareSmtp is not null && (request.IncludeInternal || domains.IsExternal(bareSmtp));
                // ForwardingAddress names a recipient object (internal by definition) unless it is written as an external SMTP address.
                var clearAddress = addr is not null && (request.IncludeInternal || (addr.Contains('@', StringComparison.Ordinal) && domains.IsExternal(StripSmtp(addr))));
                if (clearSmtp || clearAddress)
                {
                    var remaining = (smtp is not null && !clearSmtp) || (addr is not null && !clearAddress);
                    var targets = new List<string>();
                    if (clearSmtp) targets.Add(bareSmtp!);
                    if (clearAddress) targets.Add(addr!);
                    var before = new MailboxForwarding(smtp, addr, deliver);
                    found.Add(new Finding($"fwd|{mailbox}", new ForwardingItemData(mailbox, "MailboxForwarding", "clear", null, null, targets, before.ToJson(),
                        clearSmtp, clearAddress, ResetDeliver: !remaining && deliver), ItemState.Planned, "WouldClear",
                        $"Clear mailbox forwarding to {string.Join(", ", targets)}{(!remaining && deliver ? " and set DeliverToMailboxAndForward to false" : "")}"));
                }
            }
        }
        catch (ServiceCallException e)
        {
            var err = MailboxError(mailbox, e, "its mailbox forwarding could not be read");
            found.Add(new Finding($"fwd|{mailbox}", new ForwardingItemData(mailbox, "MailboxForwarding", "none"), ItemState.Failed, "Failed", err.Message, err.Kind));
        }

        if (found.Count == 0)
            found.Add(new Finding($"none|{mailbox}", new ForwardingItemData(mailbox, "Mailbox", "none"), ItemState.Already, "NoForwarding",
                request.IncludeInternal ? "No forwarding was found." : $"No forwarding outside the organisation was found (accepted domains from {domains.Source})."));
        return found;
    }

    internal static List<string> Targets(JsonObject rule)
    {
        var list = new List<string>();
        if (rule["actions"] is not JsonObject actions) return list;
        foreach (var name in new[] { "forwardTo", "forwardAsAttachmentTo", "redirectTo" })
        {
            var node = actions.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
            // Collection(recipient) per the metadata; an older doc shows one recipient, so accept both.
            IEnumerable<JsonNode?> recipients = node switch { JsonArray arr => arr, JsonObject o => new List<JsonNode?> { o }, _ => new List<JsonNode?>() };
            foreach (var r in recipients)
                if ((string?)r?["emailAddress"]?["address"] is { Length: > 0 } address && !list.Contains(address, StringComparer.OrdinalIgnoreCase)) list.Add(address);
        }
        return list;
    }

    private static string StripSmtp(string s) => s.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase) ? s[5..] : s;

    // ---------------------------------------------------------------- run

    /// <summary>-WhatIf: everything the run would find, without changing or journaling anything.</summary>
    public async Task PlanAsync(ForwardingRequest request, Action<ForwardingResult> onFinding, CancellationToken ct)
    {
        var domains = await AcceptedDomainsAsync(ct).ConfigureAwait(false);
        foreach (var mailbox in request.Mailboxes)
            foreach (var f in await DiscoverAsync(mailbox, domains, request, ct).ConfigureAwait(false))
                onFinding(ToResult("", f.Data, f.State, f.Outcome, f.Reason, f.Error));
    }

    public async Task<RunSummary> RunAsync(ForwardingRequest.Normalized input, Func<ForwardingChange, bool> confirm, AuditContext who, CancellationToken ct)
    {
        var request = input.Request;
        var domains = await AcceptedDomainsAsync(ct).ConfigureAwait(false);
        var (run, _) = await ActionRun.StartOrResumeAsync(store, new NewAction
        {
            Kind = ActionKind.DisableForwarding,
            DedupeKey = request.RunKey(),
            ParametersJson = request.ToJson(),
            Summary = $"Turn off {(request.IncludeInternal ? "" : "external ")}forwarding of {request.Mailboxes.Count} mailbox(es){(request.RemoveRule ? ", deleting rules" : "")}",
        }, who, ct).ConfigureAwait(false);
        await using var _run = run;
        foreach (var (raw, error) in input.Rejected)
        {
            await store.AddItemsAsync(run.Id, [new NewItem("invalid|" + raw, raw, null, ItemState.Failed, error.Message)], ct).ConfigureAwait(false);
            Report(ToResult(run.Id, new ForwardingItemData(raw, "Mailbox", "none"), ItemState.Failed, "Rejected", error.Message, error.Kind));
        }
        return await ExecuteAsync(run, request, domains, confirm, ct).ConfigureAwait(false);
    }

    public async Task<RunSummary> ResumeAsync(string actionId, AuditContext who, CancellationToken ct)
    {
        await using var run = await ActionRun.ResumeAsync(store, actionId, who, ct).ConfigureAwait(false);
        if (run.Action.Kind != ActionKind.DisableForwarding)
            throw new AirException(AirErrorKind.InvalidInput, $"Action {actionId} is a {run.Action.Kind} action, not a forwarding change.", actionId);
        var domains = await AcceptedDomainsAsync(ct).ConfigureAwait(false);
        return await ExecuteAsync(run, ForwardingRequest.FromJson(run.Action.ParametersJson), domains, _ => true, ct).ConfigureAwait(false);
    }

    private async Task<RunSummary> ExecuteAsync(ActionRun run, ForwardingRequest? request, DomainSet? domains, Func<ForwardingChange, bool> confirm, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, run.LeaseLost);
        var token = linked.Token;
        try
        {
            // 1. Whatever the journal left unfinished (a resume, or an undo): finish it from the recorded data.
            var open = new List<ItemRecord>();
            await foreach (var item in store.GetItemsAsync(run.Id, new ItemQuery { States = [ItemState.Planned, ItemState.InProgress] }, token).ConfigureAwait(false))
                open.Add(item);
            foreach (var item in open) await ApplyAsync(run, item, ForwardingItemData.FromJson(item.DataJson), token).ConfigureAwait(false);

            // 2. Look at every mailbox (again): new findings are journaled and applied; known keys are not touched twice.
            if (request is not null && domains is not null)
            {
                // Mailboxes are independent: several at once (each still goes through its own mailbox gate).
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(options.MailboxParallelism, 1, 16), CancellationToken = token };
                await Parallel.ForEachAsync(request.Mailboxes, parallel, async (mailbox, t) =>
                {
                    foreach (var f in await DiscoverAsync(mailbox, domains, request, t).ConfigureAwait(false))
                    {
                        if (f.State == ItemState.Planned && !confirm(f.ToChange())) continue;
                        var item = (await store.AddItemsAsync(run.Id, [new NewItem(f.Key, mailbox, f.Data.ToJson(), f.State, f.Reason)], t).ConfigureAwait(false))[0];
                        if (item.Attempts > 0 || item.State is not (ItemState.Planned or ItemState.InProgress))
                        {
                            // A new item with a final state is reported; an existing one was reported by the run that finished it.
                            if (item.State == f.State && item.Reason == f.Reason && item.Attempts == 0) Report(ToResult(run.Id, f.Data, f.State, f.Outcome, f.Reason, f.Error), f.State);
                            continue;
                        }
                        await ApplyAsync(run, item, f.Data, t).ConfigureAwait(false);
                    }
                    var done = Interlocked.Increment(ref scanned);
                    sink.Progress(new RunProgress
                    {
                        ActionId = run.Id, Activity = Activity, MailboxesScanned = done, MailboxesTotal = request.Mailboxes.Count,
                        Found = Interlocked.Read(ref finished), Finished = Interlocked.Read(ref finished), Failed = Interlocked.Read(ref failed),
                    });
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || run.LeaseLost.IsCancellationRequested)
        {
            if (run.LeaseLost.IsCancellationRequested)
                throw new AirException(AirErrorKind.Conflict, $"Action {run.Id} was taken over by another session; this run stopped.", run.Id);
            var (cancelled, cc) = await run.CancelAsync().ConfigureAwait(false);
            sink.Progress(new RunProgress { ActionId = run.Id, Activity = Activity, Completed = true });
            return RunSummary.From(cancelled, cc, run.Elapsed, metrics, note: $"Stopped by the user. Resume-AirAction -Id {run.Id} finishes the rest.");
        }
        sink.Progress(new RunProgress { ActionId = run.Id, Activity = Activity, Completed = true });
        var (action, counts) = await run.CompleteAsync(null, CancellationToken.None).ConfigureAwait(false);
        return RunSummary.From(action, counts, run.Elapsed, metrics);
    }

    /// <summary>Makes one change, journaled InProgress (with its before-state) before and Done/Already/Failed after.</summary>
    private async Task ApplyAsync(ActionRun run, ItemRecord item, ForwardingItemData data, CancellationToken ct)
    {
        var resumed = item.State == ItemState.InProgress;
        var before = item.BeforeJson ?? data.Before;
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, ItemState.InProgress)
        {
            IncrementAttempts = true, BeforeJson = before, LeaseOwner = run.Owner,
        }, ct).ConfigureAwait(false);
        var mbx = data.Mailbox;
        try
        {
            switch (data.Op)
            {
                case "disable":
                    // PATCH isEnabled=false is idempotent: re-sending it after an unclear failure is safe.
                    await caller.CallAsync(mbx, t => rules.SetEnabledAsync(mbx, data.RuleId!, false, t), ct).ConfigureAwait(false);
                    await FinishAsync(run, item, data, ItemState.Done, "Disabled", null, null).ConfigureAwait(false);
                    break;
                case "delete":
                    try
                    {
                        await caller.CallAsync(mbx, async t => { await rules.DeleteAsync(mbx, data.RuleId!, t).ConfigureAwait(false); return string.Empty; }, ct).ConfigureAwait(false);
                        await FinishAsync(run, item, data, ItemState.Done, "Removed", "Deleted; Undo-AirAction re-creates it from the journal.", null).ConfigureAwait(false);
                    }
                    catch (ServiceCallException e) when (e.Kind == FailureKind.NotFound)
                    {
                        // Gone: deleted by the interrupted run (or by a retried request) — ours; otherwise someone else's.
                        var ours = resumed || item.Attempts > 0;
                        await FinishAsync(run, item, data, ours ? ItemState.Done : ItemState.Already, ours ? "Removed" : "AlreadyOff",
                            ours ? "Deleted (confirmed: the rule is gone)." : "The rule no longer exists.", null).ConfigureAwait(false);
                    }
                    break;
                case "clear":
                {
                    var p = new Dictionary<string, object?> { ["Identity"] = mbx };
                    if (data.ClearSmtp) p["ForwardingSmtpAddress"] = null;
                    if (data.ClearAddress) p["ForwardingAddress"] = null;
                    if (data.ResetDeliver) p["DeliverToMailboxAndForward"] = false;
                    await exchange.InvokeAsync("Set-Mailbox", p, mbx, ct).ConfigureAwait(false);
                    await FinishAsync(run, item, data, ItemState.Done, "Cleared", null, null).ConfigureAwait(false);
                    break;
                }
                case "undo-enable":
                {
                    var rule = JsonNode.Parse(before!) as JsonObject ?? [];
                    var enabled = (bool?)rule["isEnabled"] ?? true;
                    await caller.CallAsync(mbx, t => rules.SetEnabledAsync(mbx, data.RuleId!, enabled, t), ct).ConfigureAwait(false);
                    await FinishAsync(run, item, data, ItemState.Done, "Restored", enabled ? "Re-enabled." : "Left disabled, as it was.", null).ConfigureAwait(false);
                    break;
                }
                case "undo-create":
                {
                    var rule = JsonNode.Parse(before!) as JsonObject ?? [];
                    if (resumed && await FindRecreatedAsync(mbx, rule, ct).ConfigureAwait(false) is { } existing)
                    {
                        await FinishAsync(run, item, data with { RuleId = (string?)existing["id"] }, ItemState.Done, "Restored", "Re-created (confirmed after an interrupted run).", null).ConfigureAwait(false);
                        break;
                    }
                    var created = await caller.CallAsync(mbx, t => rules.CreateAsync(mbx, rule, t), ct,
                        verify: async t => await FindRecreatedAsync(mbx, rule, t).ConfigureAwait(false)).ConfigureAwait(false);
                    await FinishAsync(run, item, data with { RuleId = (string?)created["id"] }, ItemState.Done, "Restored",
                        $"Re-created from the journal (new id {(string?)created["id"]}).", null).ConfigureAwait(false);
                    break;
                }
                case "undo-restore":
                {
                    var was = MailboxForwarding.FromJson(before!);
                    var p = new Dictionary<string, object?> { ["Identity"] = mbx };
                    if (data.ClearSmtp) p["ForwardingSmtpAddress"] = was.ForwardingSmtpAddress;
                    if (data.ClearAddress) p["ForwardingAddress"] = was.ForwardingAddress;
                    p["DeliverToMailboxAndForward"] = was.DeliverToMailboxAndForward;
                    await exchange.InvokeAsync("Set-Mailbox", p, mbx, ct).ConfigureAwait(false);
                    await FinishAsync(run, item, data, ItemState.Done, "Restored", "Mailbox forwarding set back to what it was.", null).ConfigureAwait(false);
                    break;
                }
                default:
                    await FinishAsync(run, item, data, ItemState.Skipped, "Skipped", $"Nothing to do for '{data.Op}'.", null).ConfigureAwait(false);
                    break;
            }
        }
        catch (ServiceCallException e)
        {
            var err = MailboxError(mbx, e, data.Kind == "InboxRule" ? $"rule '{data.RuleName}' could not be changed" : "its mailbox forwarding could not be changed");
            await FinishAsync(run, item, data, ItemState.Failed, "Failed", err.Message, err.Kind).ConfigureAwait(false);
        }
    }

    private async Task<JsonObject?> FindRecreatedAsync(string mailbox, JsonObject recorded, CancellationToken ct)
    {
        var list = await caller.CallAsync(mailbox, t => rules.ListAsync(mailbox, t), ct).ConfigureAwait(false);
        var name = (string?)recorded["displayName"];
        var actions = recorded["actions"]?.ToJsonString();
        return list.FirstOrDefault(r => (string?)r["displayName"] == name && r["actions"]?.ToJsonString() == actions
                                        && (string?)r["id"] != (string?)recorded["id"]);
    }

    private async Task FinishAsync(ActionRun run, ItemRecord item, ForwardingItemData data, ItemState state, string outcome, string? reason, AirErrorKind? error)
    {
        await store.UpdateItemAsync(run.Id, new ItemUpdate(item.Seq, state)
        {
            Reason = reason, DataJson = data.ToJson(), AfterJson = data.RuleId is null ? null : new JsonObject { ["ruleId"] = data.RuleId }.ToJsonString(), LeaseOwner = run.Owner,
        }, CancellationToken.None).ConfigureAwait(false);
        Report(ToResult(run.Id, data, state, outcome, reason, error), state);
    }

    private void Report(ForwardingResult r, ItemState? state = null)
    {
        Interlocked.Increment(ref finished);
        if ((state ?? r.State) == ItemState.Failed) Interlocked.Increment(ref failed);
        sink.Item(r);
    }

    private static ForwardingResult ToResult(string actionId, ForwardingItemData d, ItemState state, string outcome, string? reason, AirErrorKind? error) => new()
    {
        ActionId = actionId, Mailbox = d.Mailbox, Kind = d.Kind, Rule = d.RuleName, RuleId = d.RuleId, Targets = d.Targets ?? [],
        State = state, Outcome = outcome, Reason = reason, ErrorKind = error,
    };

    private static AirException MailboxError(string mailbox, ServiceCallException e, string what) => e.Kind switch
    {
        FailureKind.NotFound => new AirException(AirErrorKind.NotFound, $"Mailbox '{mailbox}': {what}: not found ({e.Message})", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.MailboxNotRestEnabled => new AirException(AirErrorKind.MailboxNotRestEnabled,
            $"Mailbox '{mailbox}' can't be reached through REST (inactive, on-premises or unlicensed): {what}. {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        FailureKind.Forbidden => new AirException(AirErrorKind.AccessDenied,
            $"Mailbox '{mailbox}': {what}: access denied (403; needs MailboxSettings.ReadWrite for rules, Exchange.ManageAsApp with Exchange Administrator for Set-Mailbox). {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
        _ => new AirException(e.ToErrorKind(), $"Mailbox '{mailbox}': {what}: {e.Status} {e.Code}: {e.Message}", mailbox) { HttpStatus = e.Status, ServiceCode = e.Code },
    };

    // ---------------------------------------------------------------- undo

    public async Task<RunSummary> UndoAsync(string actionId, AuditContext who, CancellationToken ct)
    {
        var original = await UndoRun.LoadOriginalAsync(store, actionId, [ActionKind.DisableForwarding], "a forwarding change", ct).ConfigureAwait(false);
        await using var run = await UndoRun.StartOrResumeAsync(store, original,
            $"Undo of {original.Id}: restore the inbox rules and mailbox forwarding it turned off", item =>
            {
                var data = ForwardingItemData.FromJson(item.DataJson);
                var op = data.Op switch { "disable" => "undo-enable", "delete" => "undo-create", "clear" => "undo-restore", _ => null };
                return op is null ? null : new NewItem(item.Key, item.Target, (data with { Op = op, Before = item.BeforeJson ?? data.Before }).ToJson());
            }, who, ct).ConfigureAwait(false);
        var result = await ExecuteAsync(run, null, null, _ => true, ct).ConfigureAwait(false);
        await UndoRun.MarkUndoneAsync(store, original, result, who).ConfigureAwait(false);
        return result;
    }
}
