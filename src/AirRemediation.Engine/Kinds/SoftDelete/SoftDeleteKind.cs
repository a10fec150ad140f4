using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Graph;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>
/// What the two soft delete kinds share: the request, its run (search, move, verify), undo (move back to the original
/// folder) and the result. A finished earlier run of the same request is carried over: moved messages cannot be found by
/// searching again, only the journal knows they were remediated.
/// </summary>
internal abstract class SoftDeleteKind : RemediationKind<SoftDeleteRequest>
{
    public override bool CarriesOverFinishedRuns => true;

    public override string CarryOverReason(string previousId) => $"Already soft deleted by action {previousId}.";

    protected override NormalizedRequest Normalize(SoftDeleteRequest request, DateTimeOffset now) => request.Normalize();

    protected override string Describe(SoftDeleteRequest request) => request.Describe();

    protected override SoftDeleteRequest Canonical(SoftDeleteRequest request) => request.Canonical();

    protected override KindRun Open(RunContext run, SoftDeleteRequest request) => new SoftDeleteRun(run, request);

    public override KindRun OpenUndo(RunContext run) => new SoftDeleteRun(run, null);

    /// <summary>Every message that was moved goes back: the undo item carries the original item's data (mailbox, id, folder).</summary>
    public override NewItem? UndoOf(ItemRecord done) => new(done.Key, done.Target, done.DataJson);

    public override string UndoSummary(ActionRecord original) => $"Undo of {original.Id}: move soft-deleted messages back to their original folders";

    public override Finding Rejected(RejectedInput input, int index) =>
        new("invalid|" + input.Input, input.Input, null, ItemState.Failed, input.Error.Message) { Outcome = new ItemOutcome(Error: input.Error.Kind) };

    /// <summary>Only items with message data name a mailbox that was searched (rejected inputs and unsearchable mailboxes carry none).</summary>
    public override string? MailboxOf(ItemRecord item) => item.DataJson is null ? null : MessageItemData.FromJson(item.DataJson).Mailbox;

    public override object ResultOf(RunContext run, ItemRecord item, ItemOutcome outcome)
    {
        var data = item.DataJson is null ? null : MessageItemData.FromJson(item.DataJson);
        var moved = outcome.Detail as MailMessage;
        return new MessageResult
        {
            ActionId = run.Id,
            Mailbox = item.Target ?? data?.Mailbox ?? "",
            InternetMessageId = data?.InternetMessageId,
            Subject = data?.Subject,
            MessageId = data?.Id,
            Outcome = item.State,
            Reason = item.Reason,
            ErrorKind = item.State == ItemState.Failed ? outcome.Error : null,
            FromFolderId = data?.FolderId,
            ToFolderId = moved?.ParentFolderId,
            ReceivedDateTime = data?.Received,
            IsUndo = run.IsUndo,
        };
    }
}
