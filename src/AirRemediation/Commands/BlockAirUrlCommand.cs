using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// Blocks URLs at time of click: adds block entries to the Tenant Allow/Block List (Safe Links enforces them when a
/// user clicks, and mail carrying them is quarantined). Every entry is checked against Microsoft's URL syntax first;
/// a bad entry is rejected with its own reason while the others are blocked.
/// </summary>
[Cmdlet(VerbsSecurity.Block, "AirUrl", DefaultParameterSetName = DefaultExpiry, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AirUrlBlockResult), typeof(AirRunSummary))]
public sealed class BlockAirUrlCommand : AirCmdlet
{
    private const string DefaultExpiry = "DefaultExpiry";
    private const string ExplicitExpiry = "ExplicitExpiry";
    private const string NeverExpires = "NeverExpires";

    private readonly List<string> urls = [];

    /// <summary>URL entries as the Tenant Allow/Block List takes them: no protocol (contoso.com/path, *.contoso.com, contoso.com/*, ~contoso.com, 1.2.3.4).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Value", "Entry", "Entries")]
    [AllowEmptyString]
    public string[] Url { get; set; } = [];

    /// <summary>When the entries expire (converted to UTC). Without it, or -NoExpiration, Microsoft's default of 30 days applies.</summary>
    [Parameter(ParameterSetName = ExplicitExpiry, Mandatory = true)]
    public DateTime ExpiresOn { get; set; }

    /// <summary>The entries never expire.</summary>
    [Parameter(ParameterSetName = NeverExpires, Mandatory = true)]
    public SwitchParameter NoExpiration { get; set; }

    /// <summary>A note stored with each entry (an incident number, a reason).</summary>
    [Parameter]
    [ValidateLength(0, 1000)]
    public string? Note { get; set; }

    /// <summary>An entry that already exists gets the requested expiry (and note) instead of being reported as AlreadyBlocked.</summary>
    [Parameter]
    public SwitchParameter UpdateExpiry { get; set; }

    /// <summary>Skip confirmation prompts (-WhatIf still only reports).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        urls.AddRange(Url);
        return Task.CompletedTask;
    }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        DateTimeOffset? expires = ParameterSetName == ExplicitExpiry
            ? new DateTimeOffset(ExpiresOn.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(ExpiresOn, DateTimeKind.Local) : ExpiresOn).ToUniversalTime()
            : null;
        var normalized = Remediation.Normalize(session, new UrlBlockRequest { Urls = urls, ExpiresOn = expires, NoExpiration = NoExpiration, Note = Note, UpdateExpiry = UpdateExpiry });
        var request = (UrlBlockRequest)normalized.Request;
        if (normalized.Duplicates > 0)
            Post(() => WriteWarning($"{normalized.Duplicates} URL entr{(normalized.Duplicates == 1 ? "y was" : "ies were")} given more than once; each is blocked once."));
        var expiryText = NoExpiration ? "never expires" : expires is { } e ? "expires " + e.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "expires in 30 days";

        var confirmed = new List<string>();
        foreach (var url in request.Urls)
            if (ShouldRun(url, $"Block at time of click in the Tenant Allow/Block List ({expiryText})", Force)) confirmed.Add(url);

        if (IsWhatIf())
        {
            foreach (var bad in normalized.Rejected)
                EmitError(ResultMapper.ErrorFor(new UrlBlockResult
                {
                    ActionId = "", Url = bad.Input, State = Engine.Actions.ItemState.Failed, Outcome = UrlOutcome.Rejected, Reason = bad.Error.Message,
                    Rule = bad.Detail as UrlEntryRule?,
                })!);
            return;
        }
        if (confirmed.Count == 0 && normalized.Rejected.Count == 0) return;

        var sink = RunSinks.For(this, Emit, EmitError, Progress);
        var summary = await Remediation.RunAsync(session, normalized with { Request = request with { Urls = confirmed } }, null, sink, ct).ConfigureAwait(false);
        Emit(ResultMapper.ToOutput(summary));
    }
}
