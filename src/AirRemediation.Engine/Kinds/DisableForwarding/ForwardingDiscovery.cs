using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>
/// Reads what forwards out of the organisation — never changes anything: the accepted domains (what "outside" means),
/// a mailbox's inbox rules (Graph messageRules) and its mailbox forwarding (Get-Mailbox). Each forwarding found is a
/// finding: a change to make, or why there is none to make.
/// </summary>
internal sealed class ForwardingDiscovery(ExchangeAdminClient exchange, RulesApi rules, ServiceCaller caller)
{
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

    /// <summary>Every forwarding of one mailbox that the request turns off, or the one finding that says there is none.</summary>
    public async Task<List<Finding>> DiscoverAsync(string mailbox, DomainSet domains, ForwardingRequest request, CancellationToken ct)
    {
        var found = new List<Finding>();
        try
        {
            var list = await caller.CallAsync(mailbox, t => rules.ListAsync(mailbox, t), ct).ConfigureAwait(false);
            foreach (var rule in list)
                if (RuleFinding(mailbox, rule, domains, request) is { } f) found.Add(f);
        }
        catch (ServiceCallException e)
        {
            found.Add(Failure($"rules|{mailbox}", new ForwardingItemData(mailbox, ForwardingItemKind.InboxRule, ForwardingOp.None),
                ForwardingErrors.Mailbox(mailbox, e, "its inbox rules could not be read")));
        }

        try
        {
            var r = await exchange.InvokeAsync("Get-Mailbox", new Dictionary<string, object?> { ["Identity"] = mailbox }, mailbox, ct).ConfigureAwait(false);
            if (r.Values.FirstOrDefault() is { } m && MailboxFinding(mailbox, m, domains, request) is { } f) found.Add(f);
        }
        catch (ServiceCallException e)
        {
            found.Add(Failure($"fwd|{mailbox}", new ForwardingItemData(mailbox, ForwardingItemKind.MailboxForwarding, ForwardingOp.None),
                ForwardingErrors.Mailbox(mailbox, e, "its mailbox forwarding could not be read")));
        }

        if (found.Count == 0)
            found.Add(new Finding($"none|{mailbox}", mailbox, new ForwardingItemData(mailbox, ForwardingItemKind.Mailbox, ForwardingOp.None).ToJson(), ItemState.Already,
                request.IncludeInternal ? "No forwarding was found." : $"No forwarding outside the organisation was found (accepted domains from {domains.Source}).")
            { Outcome = new ItemOutcome(ForwardingOutcome.NoForwarding) });
        return found;
    }

    private static Finding? RuleFinding(string mailbox, JsonObject rule, DomainSet domains, ForwardingRequest request)
    {
        var targets = Targets(rule);
        if (targets.Count == 0) return null;
        var stop = request.IncludeInternal ? targets : targets.Where(domains.IsExternal).ToList();
        if (stop.Count == 0) return null;   // internal forwarding: left alone unless -IncludeInternal
        var id = (string?)rule["id"] ?? "";
        var name = (string?)rule["displayName"];
        var data = new ForwardingItemData(mailbox, ForwardingItemKind.InboxRule, request.RemoveRule ? ForwardingOp.Delete : ForwardingOp.Disable, id, name, stop, rule.ToJsonString());
        var key = $"rule|{mailbox}|{id}";
        if ((bool?)rule["isReadOnly"] == true)
            return Final(key, data, ItemState.Skipped, ForwardingOutcome.NotChangeable,
                "Read-only rule: the Graph rules API can't change or delete it. Remove it in Outlook, or with Disable-InboxRule/Remove-InboxRule in Exchange Online PowerShell.");
        if (!request.RemoveRule && (bool?)rule["isEnabled"] == false)
            return Final(key, data, ItemState.Already, ForwardingOutcome.AlreadyOff, "The rule is already disabled.");
        return Planned(key, data, request.RemoveRule ? ForwardingOutcome.WouldRemove : ForwardingOutcome.WouldDisable,
            $"{(request.RemoveRule ? "Delete" : "Disable")} inbox rule '{name}' that forwards to {string.Join(", ", stop)}");
    }

    private static Finding? MailboxFinding(string mailbox, JsonObject m, DomainSet domains, ForwardingRequest request)
    {
        var smtp = (string?)m["ForwardingSmtpAddress"] is { Length: > 0 } s ? s : null;
        var addr = (string?)m["ForwardingAddress"] is { Length: > 0 } a ? a : null;
        var deliver = (bool?)m["DeliverToMailboxAndForward"] ?? false;
        var bareSmtp = smtp is null ? null : StripSmtp(smtp);
        var clearSmtp = bareSmtp is not null && (request.IncludeInternal || domains.IsExternal(bareSmtp));
        // ForwardingAddress names a recipient object (internal by definition) unless it is written as an external SMTP address.
        var clearAddress = addr is not null && (request.IncludeInternal || (addr.Contains('@', StringComparison.Ordinal) && domains.IsExternal(StripSmtp(addr))));
        if (!clearSmtp && !clearAddress) return null;
        var remaining = (smtp is not null && !clearSmtp) || (addr is not null && !clearAddress);
        var targets = new List<string>();
        if (clearSmtp) targets.Add(bareSmtp!);
        if (clearAddress) targets.Add(addr!);
        var before = new MailboxForwarding(smtp, addr, deliver);
        var data = new ForwardingItemData(mailbox, ForwardingItemKind.MailboxForwarding, ForwardingOp.Clear, null, null, targets, before.ToJson(),
            clearSmtp, clearAddress, ResetDeliver: !remaining && deliver);
        return Planned($"fwd|{mailbox}", data, ForwardingOutcome.WouldClear,
            $"Clear mailbox forwarding to {string.Join(", ", targets)}{(!remaining && deliver ? " and set DeliverToMailboxAndForward to false" : "")}");
    }

    /// <summary>The addresses an inbox rule forwards, forwards as attachment, or redirects to.</summary>
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

    private static Finding Planned(string key, ForwardingItemData data, ForwardingOutcome wouldBe, string description) =>
        new(key, data.Mailbox, data.ToJson(), ItemState.Planned, description)
        {
            // Rule names are written by whoever controls the mailbox: shown escaped in the prompt.
            Outcome = new ItemOutcome(wouldBe), ConfirmTarget = DisplayText.Safe(data.Target), ConfirmAction = DisplayText.Safe(description),
        };

    private static Finding Final(string key, ForwardingItemData data, ItemState state, ForwardingOutcome outcome, string reason) =>
        new(key, data.Mailbox, data.ToJson(), state, reason) { Outcome = new ItemOutcome(outcome) };

    private static Finding Failure(string key, ForwardingItemData data, AirException error) =>
        new(key, data.Mailbox, data.ToJson(), ItemState.Failed, error.Message) { Outcome = new ItemOutcome(ForwardingOutcome.Failed, error.Kind) };
}
