using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>
/// Turn off external mail forwarding: inbox rules (Graph messageRules) whose forwardTo, forwardAsAttachmentTo or
/// redirectTo reach outside the accepted domains are disabled (or deleted), and mailbox forwarding (ForwardingSmtpAddress,
/// ForwardingAddress) to such addresses is cleared with Set-Mailbox.
/// </summary>
internal sealed class DisableForwardingKind : RemediationKind<ForwardingRequest>
{
    public override ActionKind Kind => ActionKind.DisableForwarding;

    public override string Activity => "Disable mail forwarding";

    protected override NormalizedRequest Normalize(ForwardingRequest request, DateTimeOffset now) => request.Normalize();

    protected override string Describe(ForwardingRequest request) => request.Describe();

    protected override ForwardingRequest Canonical(ForwardingRequest request) => request.Canonical();

    protected override KindRun Open(RunContext run, ForwardingRequest request) => new ForwardingRun(run, request);

    public override KindRun OpenUndo(RunContext run) => new ForwardingRun(run, null);

    /// <summary>A disabled rule is enabled again, a deleted rule re-created from its recorded JSON, cleared forwarding set back.</summary>
    public override NewItem? UndoOf(ItemRecord done)
    {
        var data = ForwardingItemData.FromJson(done.DataJson);
        ForwardingOp? op = data.Op switch
        {
            ForwardingOp.Disable => ForwardingOp.UndoEnable,
            ForwardingOp.Delete => ForwardingOp.UndoCreate,
            ForwardingOp.Clear => ForwardingOp.UndoRestore,
            _ => null,
        };
        return op is { } o ? new NewItem(done.Key, done.Target, (data with { Op = o, Before = done.BeforeJson ?? data.Before }).ToJson()) : null;
    }

    public override string UndoSummary(ActionRecord original) => $"Undo of {original.Id}: restore the inbox rules and mailbox forwarding it turned off";

    public override Finding Rejected(RejectedInput input, int index) =>
        new("invalid|" + input.Input, input.Input, null, ItemState.Failed, input.Error.Message)
        {
            Outcome = new ItemOutcome(ForwardingOutcome.Rejected, input.Error.Kind),
        };

    /// <summary>Items with data were read from a mailbox; a rejected input has none.</summary>
    public override string? MailboxOf(ItemRecord item) => item.DataJson is null ? null : ForwardingItemData.FromJson(item.DataJson).Mailbox;

    public override object ResultOf(RunContext run, ItemRecord item, ItemOutcome outcome)
    {
        var data = item.DataJson is null
            ? new ForwardingItemData(item.Target ?? "", ForwardingItemKind.Mailbox, ForwardingOp.None)
            : ForwardingItemData.FromJson(item.DataJson);
        return new ForwardingResult
        {
            ActionId = run.Id,
            Mailbox = data.Mailbox,
            Kind = data.Kind,
            Rule = data.RuleName,
            RuleId = data.RuleId,
            Targets = data.Targets ?? [],
            State = item.State,
            Outcome = outcome.Name as ForwardingOutcome? ?? item.State switch
            {
                ItemState.Failed => ForwardingOutcome.Failed,
                ItemState.Skipped => ForwardingOutcome.Skipped,
                _ => ForwardingOutcome.AlreadyOff,
            },
            Reason = item.Reason,
            ErrorKind = item.State == ItemState.Failed ? outcome.Error : null,
        };
    }

    /// <summary>Defender's mailboxConfigurationEvidence of a mail forwarding rule awaiting approval: that mailbox's external forwarding.</summary>
    public override Task<NewProposal?> ProposeAsync(EvidenceContext context, Investigation alert, EvidenceInfo e, CancellationToken ct)
    {
        if (e.Type != "mailboxConfigurationEvidence" || !string.Equals(e.ConfigurationType, "mailForwardingRule", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult<NewProposal?>(null);
        if (string.IsNullOrWhiteSpace(e.MailboxAddress))
            throw new AirException(AirErrorKind.InvalidInput, "the mailbox configuration evidence names no mailbox.");
        var request = new ForwardingRequest { Mailboxes = [e.MailboxAddress] };
        return Task.FromResult<NewProposal?>(Propose(Normalize(request, DateTimeOffset.MinValue)) with
        {
            Summary = $"Turn off external forwarding of {e.MailboxAddress.ToLowerInvariant()} (rule '{e.DisplayName}', alert {alert.AlertId})",
            InvestigationId = alert.AlertId,
            EvidenceKey = EvidenceContext.KeyOf(alert, e),
            ProposedBy = EvidenceContext.DefenderProposer,
            Reason = EvidenceContext.ReasonOf(alert, e, e.ConfigurationType),
        });
    }
}
