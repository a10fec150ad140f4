using AirRemediation.Engine.Approvals;
using AirRemediation.Engine.Investigations;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Lists Defender for Office 365 alerts with their automated investigation state and typed evidence.</summary>
[Cmdlet(VerbsCommon.Get, "AirInvestigation")]
[OutputType(typeof(AirInvestigation))]
public sealed class GetAirInvestigationCommand : AirCmdlet
{
    /// <summary>One alert by id.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("AlertId", "InvestigationId")]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    /// <summary>Investigation state(s), e.g. pendingApproval, running, successfullyRemediated.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] InvestigationState { get; set; } = [];

    /// <summary>Severity: informational, low, medium, high.</summary>
    [Parameter]
    [ValidateSet("informational", "low", "medium", "high")]
    public string[] Severity { get; set; } = [];

    /// <summary>Alert status: new, inProgress, resolved.</summary>
    [Parameter]
    [ValidateSet("new", "inProgress", "resolved")]
    public string[] Status { get; set; } = [];

    /// <summary>Alerts created at or after this time.</summary>
    [Parameter]
    public DateTimeOffset? CreatedAfter { get; set; }

    /// <summary>Alerts created before this time.</summary>
    [Parameter]
    public DateTimeOffset? CreatedBefore { get; set; }

    /// <summary>Include alerts from all Defender products, not only Defender for Office 365.</summary>
    [Parameter]
    public SwitchParameter AllSources { get; set; }

    protected override async Task ProcessAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var query = new InvestigationQuery
        {
            AlertId = Id,
            InvestigationStates = InvestigationState,
            Severities = Severity,
            Statuses = Status,
            CreatedAfter = CreatedAfter,
            CreatedBefore = CreatedBefore,
            OfficeOnly = !AllSources,
        };
        await foreach (var i in InvestigationService.GetInvestigationsAsync(session, query, ct).ConfigureAwait(false))
            Emit(ActionMapper.ToOutput(i));
    }
}
