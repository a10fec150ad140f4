namespace AirRemediation.Simulator.State;

/// <summary>A Tenant Allow/Block List entry.</summary>
public sealed class TablEntry
{
    public required string Identity { get; init; }
    public required string ListType { get; init; }
    public required string Value { get; init; }
    public required string Action { get; init; }
    public DateTimeOffset? ExpirationDate { get; set; }
    public string? Notes { get; set; }
    public DateTimeOffset CreatedDateTime { get; init; }
    public DateTimeOffset LastModifiedDateTime { get; set; }
    public string? CreatedBy { get; init; }
}
