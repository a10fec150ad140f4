using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Kinds.SoftDelete;

namespace AirRemediation.Engine.Kinds.SoftDeleteEmail;

/// <summary>Soft delete email: specific messages (mailbox + internet message id) moved to Recoverable Items\Deletions.</summary>
internal sealed class SoftDeleteEmailKind : SoftDeleteKind
{
    public override ActionKind Kind => ActionKind.SoftDeleteEmail;

    public override string Activity => "Soft delete email";

    /// <summary>Defender's analyzedMessageEvidence awaiting approval: that message in that recipient's mailbox.</summary>
    public override Task<NewProposal?> ProposeAsync(EvidenceContext context, Investigation alert, EvidenceInfo e, CancellationToken ct)
    {
        if (e.Type != "analyzedMessageEvidence") return Task.FromResult<NewProposal?>(null);
        if (e.RecipientEmailAddress is null || e.InternetMessageId is null)
            throw new AirException(AirErrorKind.InvalidInput, "the message evidence has no recipient or internet message id.");
        var request = new SoftDeleteRequest { Messages = [new MessageTarget(e.RecipientEmailAddress, e.InternetMessageId)] };
        var proposal = Propose(Normalize(request, DateTimeOffset.MinValue)) with
        {
            Summary = $"Soft delete \"{e.Subject}\" from {e.RecipientEmailAddress} (alert {alert.AlertId})",
            InvestigationId = alert.AlertId,
            EvidenceKey = EvidenceContext.KeyOf(alert, e),
            ProposedBy = EvidenceContext.DefenderProposer,
            Reason = EvidenceContext.ReasonOf(alert, e),
        };
        return Task.FromResult<NewProposal?>(proposal);
    }
}
