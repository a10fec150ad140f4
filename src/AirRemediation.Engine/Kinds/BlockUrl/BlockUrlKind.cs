using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Kinds.UrlBlock;

namespace AirRemediation.Engine.Kinds.BlockUrl;

/// <summary>Block URL (time of click): block entries added to the Tenant Allow/Block List, each checked against Microsoft's URL syntax first.</summary>
internal sealed class BlockUrlKind : UrlKind<UrlBlockRequest>
{
    public override ActionKind Kind => ActionKind.BlockUrl;

    public override string Activity => "Block URLs";

    protected override NormalizedRequest Normalize(UrlBlockRequest request, DateTimeOffset now) => request.Normalize(now);

    protected override string Describe(UrlBlockRequest request) => request.Describe();

    protected override UrlBlockRequest Canonical(UrlBlockRequest request) => request.Canonical();

    protected override KindRun Open(RunContext run, UrlBlockRequest request) => new BlockRun(run, request);

    public override string UndoSummary(ActionRecord original) => $"Undo of {original.Id}: remove the URL block entries it added, restore expiries it changed";

    public override Finding Rejected(RejectedInput input, int index) =>
        new($"invalid|{index}|{input.Input}", input.Input, new UrlItemData(input.Input, UrlOp.Add).ToJson(), ItemState.Failed, input.Error.Message)
        {
            Outcome = new ItemOutcome(UrlOutcome.Rejected, AirErrorKind.InvalidInput, input.Detail),
        };

    /// <summary>Defender's urlEvidence awaiting approval: the URL as a list entry (no scheme, no trailing slash), validated now.</summary>
    public override Task<NewProposal?> ProposeAsync(EvidenceContext context, Investigation alert, EvidenceInfo e, CancellationToken ct)
    {
        if (e.Type != "urlEvidence") return Task.FromResult<NewProposal?>(null);
        if (string.IsNullOrWhiteSpace(e.Url))
            throw new AirException(AirErrorKind.InvalidInput, "the URL evidence has no URL.");
        var check = UrlEntryValidator.Check(ToBlockEntry(e.Url));
        if (!check.IsValid)
            throw new AirException(AirErrorKind.InvalidInput, $"the URL '{e.Url}' cannot be a Tenant Allow/Block List entry: {check.Reason}");
        var request = new UrlBlockRequest { Urls = [check.Entry], Note = $"AIR alert {alert.AlertId}" };
        return Task.FromResult<NewProposal?>(Propose(Normalize(request, DateTimeOffset.MinValue)) with
        {
            Summary = $"Block URL {check.Entry} at time of click (alert {alert.AlertId})",
            InvestigationId = alert.AlertId,
            EvidenceKey = EvidenceContext.KeyOf(alert, e),
            ProposedBy = EvidenceContext.DefenderProposer,
            Reason = EvidenceContext.ReasonOf(alert, e),
        });
    }

    /// <summary>A Tenant Allow/Block List entry for a URL from evidence: no scheme (the list refuses protocols), no trailing slash.</summary>
    internal static string ToBlockEntry(string url)
    {
        var u = url.Trim();
        var scheme = u.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) u = u[(scheme + 3)..];
        return u.TrimEnd('/');
    }

    /// <summary>Every requested entry is an add; whether it is new, already there or needs its expiry changed is decided against the list when applied.</summary>
    private sealed class BlockRun(RunContext run, UrlBlockRequest request) : TablRun(run, request.AddOptions)
    {
        private static readonly HashSet<UrlOp> BlockOps = [UrlOp.Add, UrlOp.Update];

        protected override IReadOnlySet<UrlOp> Ops => BlockOps;

        public override async IAsyncEnumerable<string> UnitsAsync([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            Run.Counters.SetUnitsTotal(1);
            yield return ListUnit;
        }

        public override async IAsyncEnumerable<Finding> DiscoverAsync(string unit, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            foreach (var url in request.Urls)
                yield return new Finding(UrlItemData.Key(url), url, new UrlItemData(url, UrlOp.Add).ToJson());
        }
    }
}
