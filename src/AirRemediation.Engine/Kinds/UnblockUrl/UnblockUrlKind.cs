using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Kinds.UnblockUrl;

/// <summary>Unblock URL: block entries removed from the Tenant Allow/Block List, found by value or by Identity.</summary>
internal sealed class UnblockUrlKind : UrlKind<UrlUnblockRequest>
{
    public override ActionKind Kind => ActionKind.UnblockUrl;

    public override string Activity => "Unblock URLs";

    protected override NormalizedRequest Normalize(UrlUnblockRequest request, DateTimeOffset now) => request.Normalize();

    protected override string Describe(UrlUnblockRequest request) => request.Describe();

    protected override UrlUnblockRequest Canonical(UrlUnblockRequest request) => request.Canonical();

    protected override KindRun Open(RunContext run, UrlUnblockRequest request) => new UnblockRun(run, request);

    public override string UndoSummary(ActionRecord original) => $"Undo of {original.Id}: re-add the URL block entries it removed";

    /// <summary>A block entry that a Completed, approved BlockUrl action added (by value or by entry id) is removed on a second person's approval too.</summary>
    public override async Task<ActionRecord?> ReversesApprovedAsync(IActionStore store, ActionRequest request, CancellationToken ct)
    {
        var r = (UrlUnblockRequest)request;
        var keys = r.Urls.Select(UrlItemData.Key).ToHashSet(StringComparer.Ordinal);
        var ids = r.Ids.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var blocks = store.QueryActionsAsync(new ActionQuery { Kind = ActionKind.BlockUrl, States = [ActionState.Completed, ActionState.PartiallyCompleted] }, ct);
        await foreach (var block in blocks.ConfigureAwait(false))
        {
            if (block.ApproverId is null && block.ApprovedBy is null) continue;
            await foreach (var item in store.GetItemsAsync(block.Id, new ItemQuery { States = [ItemState.Done] }, ct).ConfigureAwait(false))
            {
                if (keys.Contains(item.Key)) return block;
                if (ids.Count > 0 && item.AfterJson is { } after && UrlItemData.FromJson(after).Id is { } id && ids.Contains(id)) return block;
            }
        }
        return null;
    }

    public override Finding Rejected(RejectedInput input, int index) =>
        new($"invalid|{index}|{input.Input}", input.Input, new UrlItemData(input.Input, UrlOp.Remove).ToJson(), ItemState.Failed, input.Error.Message)
        {
            Outcome = new ItemOutcome(UrlOutcome.Failed, input.Error.Kind),
        };

    /// <summary>
    /// Reads the list once and resolves every requested value or id to its entry: an entry found is removed (recorded with
    /// its expiry and notes, so undo can add it back); a value not in the list is already unblocked; an unknown id fails.
    /// </summary>
    private sealed class UnblockRun(RunContext run, UrlUnblockRequest request) : TablRun(run, new TablAddOptions())
    {
        private static readonly HashSet<UrlOp> UnblockOps = [UrlOp.Remove];

        protected override IReadOnlySet<UrlOp> Ops => UnblockOps;

        public override async IAsyncEnumerable<string> UnitsAsync([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            Run.Counters.SetUnitsTotal(1);
            yield return ListUnit;
        }

        public override async IAsyncEnumerable<Finding> DiscoverAsync(string unit, [EnumeratorCancellation] CancellationToken ct)
        {
            var (entries, error) = await ReadListAsync(ct).ConfigureAwait(false);
            if (error is not null)
            {
                foreach (var url in request.Urls)
                    yield return new Finding(UrlItemData.Key(url), url, new UrlItemData(url, UrlOp.Remove).ToJson(), ItemState.Failed, error.Message)
                    { Outcome = new ItemOutcome(UrlOutcome.Failed, error.Kind) };
                foreach (var id in request.Ids)
                    yield return new Finding("id|" + id, id, new UrlItemData(id, UrlOp.Remove, id).ToJson(), ItemState.Failed, error.Message)
                    { Outcome = new ItemOutcome(UrlOutcome.Failed, error.Kind) };
                yield break;
            }
            UseSnapshot(entries!);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var url in request.Urls)
            {
                var e = entries!.FirstOrDefault(x => string.Equals(x.Value, url, StringComparison.OrdinalIgnoreCase));
                if (e is null)
                    yield return new Finding(UrlItemData.Key(url), url, new UrlItemData(url, UrlOp.Remove).ToJson(), ItemState.Already,
                        "Not in the Tenant Allow/Block List (already unblocked).") { Outcome = new ItemOutcome(UrlOutcome.NotBlocked) };
                else if (seen.Add(e.Id))
                    yield return Remove(e);
            }
            foreach (var id in request.Ids)
            {
                var e = entries!.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.Ordinal));
                if (e is null)
                    yield return new Finding("id|" + id, id, new UrlItemData(id, UrlOp.Remove, id).ToJson(), ItemState.Failed,
                        $"No URL block entry has the id '{id}'.") { Outcome = new ItemOutcome(UrlOutcome.Failed, AirErrorKind.NotFound) };
                else if (seen.Add(e.Id))
                    yield return Remove(e);
            }
        }

        private static Finding Remove(UrlBlockEntry e) => new(UrlItemData.Key(e.Value), e.Value, UrlItemData.From(e, UrlOp.Remove).ToJson());
    }
}
