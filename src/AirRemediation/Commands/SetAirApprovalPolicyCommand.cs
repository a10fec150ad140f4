using AirRemediation.Engine.Approvals;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Sets who may approve in this action store: whether a proposer may approve their own action (single-admin tenants)
/// and which applications may approve. Only an approver may change it; every change is audited.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AirApprovalPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirApprovalPolicy))]
public sealed class SetAirApprovalPolicyCommand : AirCmdlet
{
    /// <summary>Allow the proposer of an action to approve it (turns four-eyes off).</summary>
    [Parameter]
    public bool? AllowSelfApproval { get; set; }

    /// <summary>Application (client) ids or display names that may approve; an empty array removes them all.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? AppApprover { get; set; }

    /// <summary>The application (client) id of the worker that runs approved actions; an empty string removes it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? ExecutorAppId { get; set; }

    /// <summary>classification/determination to resolve alerts with after a completed proposal (e.g. truePositive/phishing); an empty string removes it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? DefaultAlertResolution { get; set; }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var store = await session.GetStoreAsync(ct).ConfigureAwait(false);
        var change = string.Join("; ", new[]
        {
            AllowSelfApproval is { } s ? $"AllowSelfApproval={s}" : null,
            AppApprover is { } a ? $"AppApprovers={(a.Length == 0 ? "(none)" : string.Join(",", a))}" : null,
            ExecutorAppId is { } x ? $"ExecutorAppId={(x.Length == 0 ? "(none)" : x)}" : null,
            DefaultAlertResolution is { } r ? $"DefaultAlertResolution={(r.Length == 0 ? "(none)" : r)}" : null,
        }.Where(x => x is not null));
        if (change.Length == 0)
        {
            Emit(ActionMapper.ToOutput(await ApprovalPolicy.LoadAsync(store, ct).ConfigureAwait(false), store.Location));
            return;
        }
        if (!Confirm(store.Location, "Change the approval policy: " + change)) return;
        var p = AllowSelfApproval is null && AppApprover is null ? null
            : await DecisionService.SetPolicyAsync(session, AllowSelfApproval, AppApprover, ct).ConfigureAwait(false);
        if (ExecutorAppId is not null) p = await ExecutorHandoff.SetExecutorAsync(session, ExecutorAppId, ct).ConfigureAwait(false);
        if (DefaultAlertResolution is not null)
            p = await AlertClosing.SetDefaultAsync(session, Engine.Investigations.AlertResolution.FromText(DefaultAlertResolution), ct).ConfigureAwait(false);
        Emit(ActionMapper.ToOutput(p!, store.Location));
    }
}
