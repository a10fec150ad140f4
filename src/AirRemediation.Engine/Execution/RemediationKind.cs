using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Investigations;
using AirRemediation.Engine.Store;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// What one kind of remediation supplies to the pipeline: how its request is checked and keyed, what a run of it
/// discovers and applies (<see cref="KindRun"/>), how one of its changes is reversed, how its items are reported, and
/// how it is proposed. Everything else — start or resume, lease, journal, cancellation, progress, undo bookkeeping, the
/// final state and the summary — is <see cref="ActionPipeline"/>'s, written once for every kind.
/// </summary>
/// <remarks>A kind is stateless and registered once (Kinds/KindRegistry); per-run state lives in its <see cref="KindRun"/>.</remarks>
internal abstract class RemediationKind
{
    public abstract ActionKind Kind { get; }

    /// <summary>The progress activity, e.g. "Block URLs".</summary>
    public abstract string Activity { get; }

    /// <summary>What a unit of discovery is called in progress text ("Mailboxes", "Entries").</summary>
    public virtual string UnitName => "Mailboxes";

    /// <summary>
    /// Whether a direct run of a request that already ran to the end carries the earlier run's remediated items over as
    /// Already (soft delete: a moved message cannot be found again by searching, so only the journal knows it was done).
    /// </summary>
    public virtual bool CarriesOverFinishedRuns => false;

    /// <summary>The reason written on an item carried over from <paramref name="previousId"/>.</summary>
    public virtual string CarryOverReason(string previousId) => $"Already remediated by action {previousId}.";

    /// <summary>Refuses, before anything is created or changed, what this session can never do (no Exchange connection…).</summary>
    public virtual void Preflight(AirSession session) { }

    /// <summary>Checks a request as typed: normalised inputs, per-input rejections; throws for a request that cannot run at all.</summary>
    public abstract NormalizedRequest Normalize(ActionRequest request, DateTimeOffset now);

    /// <summary>The request stored with an action (its ParametersJson).</summary>
    public abstract ActionRequest Parse(string parametersJson);

    /// <summary>The JSON stored with an action.</summary>
    public abstract string ToJson(ActionRequest request);

    /// <summary>One line for people: summaries, prompts.</summary>
    public abstract string Describe(ActionRequest request);

    /// <summary>The same request, whatever the order of its inputs (sorted lists, case-folded where the service folds case).</summary>
    protected abstract ActionRequest Canonical(ActionRequest request);

    /// <summary>
    /// The one key of "the same request" for this kind: a direct run finds its interrupted run by it, and identical
    /// proposals collapse on it. Kind plus the hash of the canonical request.
    /// </summary>
    public string DedupeKey(ActionRequest normalized) =>
        $"{Kind}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson(Canonical(normalized)))))}";

    /// <summary>
    /// The request stored with <paramref name="action"/>, checked again as if it were typed now: it must parse, normalise
    /// without rejecting anything and be exactly what normalising it gives — parameters this module wrote always are. Anything
    /// else was changed outside AirRemediation and is refused with <see cref="AirErrorKind.Tampered"/> before anything runs.
    /// </summary>
    public ActionRequest Revalidate(ActionRecord action, DateTimeOffset now)
    {
        ActionRequest stored;
        try
        {
            stored = Parse(action.ParametersJson);
        }
        catch (AirException e)
        {
            throw Tampered(action, e.Message);
        }
        NormalizedRequest normalized;
        try
        {
            normalized = Normalize(stored, now);
        }
        catch (AirException e) when (e.Kind == AirErrorKind.InvalidInput)
        {
            throw new AirException(AirErrorKind.InvalidInput, $"Action {action.Id} cannot run as stored: {e.Message}", action.Id);
        }
        if (normalized.Rejected.Count > 0)
            throw Tampered(action, $"its input '{DisplayText.Safe(normalized.Rejected[0].Input)}' is not valid ({normalized.Rejected[0].Error.Message})");
        if (!string.Equals(ToJson(Canonical(normalized.Request)), ToJson(Canonical(stored)), StringComparison.Ordinal))
            throw Tampered(action, "its parameters are not in the form AirRemediation writes them");
        return normalized.Request;
    }

    /// <summary>The error for stored content this module did not write.</summary>
    public static AirException Tampered(ActionRecord action, string what) =>
        new(AirErrorKind.Tampered, $"Action {action.Id} was changed outside AirRemediation: {what}. Nothing was run; check the store with Test-AirAuditTrail.", action.Id);

    /// <summary>The work of one run over <paramref name="request"/>.</summary>
    public abstract KindRun Open(RunContext run, ActionRequest request);

    /// <summary>The work of an undo run (its journal holds what <see cref="UndoOf"/> made).</summary>
    public abstract KindRun OpenUndo(RunContext run);

    /// <summary>The reversal of one Done item of an action of this kind, or null when there is nothing to reverse.</summary>
    public abstract NewItem? UndoOf(ItemRecord done);

    /// <summary>The summary of the undo action of <paramref name="original"/>.</summary>
    public abstract string UndoSummary(ActionRecord original);

    /// <summary>
    /// The approved action this direct request would reverse, if any (an unblock of a URL an approved action blocked):
    /// such a request needs an approval of its own instead of running at once. Null by default.
    /// </summary>
    public virtual Task<ActionRecord?> ReversesApprovedAsync(IActionStore store, ActionRequest request, CancellationToken ct) =>
        Task.FromResult<ActionRecord?>(null);

    /// <summary>The Failed finding of an input the request rejected (<paramref name="index"/> keeps equal inputs apart).</summary>
    public abstract Finding Rejected(RejectedInput input, int index);

    /// <summary>The mailbox an item acted on, or null when it is not about a mailbox (a URL, a rejected input, a mailbox that could not be searched).</summary>
    public virtual string? MailboxOf(ItemRecord item) => null;

    /// <summary>The result object reported for an item (MessageResult, UrlBlockResult, ForwardingResult).</summary>
    public abstract object ResultOf(RunContext run, ItemRecord item, ItemOutcome outcome);

    /// <summary>A proposal of <paramref name="request"/> for approval (New-AirAction): refuses any rejected input, because an approver must never be handed one.</summary>
    public virtual NewProposal Propose(NormalizedRequest request)
    {
        if (request.Rejected.Count > 0) throw request.Rejected[0].Error;
        return new NewProposal
        {
            Kind = Kind,
            ParametersJson = ToJson(request.Request),
            DedupeKey = DedupeKey(request.Request),
            Summary = Describe(request.Request),
        };
    }

    /// <summary>A proposal from one piece of Defender evidence awaiting approval, or null when this kind does not remediate it.</summary>
    public virtual Task<NewProposal?> ProposeAsync(EvidenceContext context, Investigation alert, EvidenceInfo evidence, CancellationToken ct) =>
        Task.FromResult<NewProposal?>(null);
}

/// <summary>The typed side of a kind: casts once, so each kind works with its own request record.</summary>
internal abstract class RemediationKind<TRequest> : RemediationKind where TRequest : ActionRequest
{
    public sealed override NormalizedRequest Normalize(ActionRequest request, DateTimeOffset now) => Normalize(Cast(request), now);
    public sealed override ActionRequest Parse(string parametersJson) => RequestJson.Parse<TRequest>(parametersJson, Kind);
    public sealed override string ToJson(ActionRequest request) => RequestJson.Write(Cast(request));
    public sealed override string Describe(ActionRequest request) => Describe(Cast(request));
    protected sealed override ActionRequest Canonical(ActionRequest request) => Canonical(Cast(request));
    public sealed override KindRun Open(RunContext run, ActionRequest request) => Open(run, Cast(request));

    protected abstract NormalizedRequest Normalize(TRequest request, DateTimeOffset now);
    protected abstract string Describe(TRequest request);
    protected abstract TRequest Canonical(TRequest request);
    protected abstract KindRun Open(RunContext run, TRequest request);

    private TRequest Cast(ActionRequest request) => request as TRequest
        ?? throw new AirException(AirErrorKind.InvalidInput, $"A {request.GetType().Name} cannot be run as a {Kind} action.");
}
