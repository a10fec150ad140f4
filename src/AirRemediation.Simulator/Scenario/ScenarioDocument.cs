namespace AirRemediation.Simulator.Scenario;

/// <summary>The JSON a scenario file holds: one tenant and everything in it. Documented in docs/SIMULATOR.md.</summary>
public sealed class ScenarioDocument
{
    public TenantSpec Tenant { get; set; } = new();
    public List<DomainSpec> Domains { get; set; } = [];
    public List<AppSpec> Apps { get; set; } = [];
    public List<UserSpec> Users { get; set; } = [];
    /// <summary>UPN of the user who "approves" every device code after the configured delay.</summary>
    public string? DeviceCodeUser { get; set; }
    public ManagedIdentitySpec? ManagedIdentity { get; set; }
    public List<MailboxSpec> Mailboxes { get; set; } = [];
    /// <summary>Alerts in Graph's alerts_v2 JSON shape; kept as JSON so any property Microsoft defines can be given.</summary>
    public List<JsonObject> Alerts { get; set; } = [];
    public List<TablEntrySpec> TablEntries { get; set; } = [];
    /// <summary>Message trace rows beyond the delivered copies in mailboxes (external recipients, mail not delivered).</summary>
    public List<TraceRowSpec> MessageTrace { get; set; } = [];
    public LimitSettings? Limits { get; set; }
    public FaultSettings? Faults { get; set; }
    /// <summary>Optional: add generated mailboxes to the tenant (same as --generate).</summary>
    public GeneratorSpec? Generate { get; set; }
}
