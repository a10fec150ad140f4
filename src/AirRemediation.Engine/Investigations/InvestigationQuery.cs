namespace AirRemediation.Engine.Investigations;

/// <summary>Filters for Get-AirInvestigation. Status, severity and dates go to Graph; investigation state is filtered here.</summary>
public sealed record InvestigationQuery
{
    public string? AlertId { get; init; }
    public IReadOnlyList<string> InvestigationStates { get; init; } = [];
    public IReadOnlyList<string> Severities { get; init; } = [];
    public IReadOnlyList<string> Statuses { get; init; } = [];
    public DateTimeOffset? CreatedAfter { get; init; }
    public DateTimeOffset? CreatedBefore { get; init; }
    /// <summary>Only Defender for Office 365 alerts (serviceSource microsoftDefenderForOffice365); default true.</summary>
    public bool OfficeOnly { get; init; } = true;
    public int? Top { get; init; }
}
