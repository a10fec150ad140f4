namespace AirRemediation.Simulator.Scenario;

/// <summary>
/// A message trace row with no copy in a tenant mailbox: a recipient outside the tenant, or mail that was not delivered
/// (FilteredAsSpam, Failed, Quarantined). Delivered copies in mailboxes are traced without being listed here.
/// </summary>
public sealed class TraceRowSpec
{
    public string MessageId { get; set; } = "";
    public string SenderAddress { get; set; } = "";
    public string RecipientAddress { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Status { get; set; } = "Delivered";
    public DateTimeOffset Received { get; set; }
}
