namespace AirRemediation.Simulator.Scenario;

public sealed class TablEntrySpec
{
    public string ListType { get; set; } = "Url";
    public string Value { get; set; } = "";
    public string Action { get; set; } = "Block";
    /// <summary>null means no expiration.</summary>
    public DateTimeOffset? ExpirationDate { get; set; }
    public string? Notes { get; set; }
}
