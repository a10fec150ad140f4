using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Kinds.UnblockUrl;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Removes URL block entries from the Tenant Allow/Block List, by value or by id (pipe from Get-AirUrlBlock).</summary>
[Cmdlet(VerbsSecurity.Unblock, "AirUrl", DefaultParameterSetName = ByUrl, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(AirUrlBlockResult), typeof(AirRunSummary))]
public sealed class UnblockAirUrlCommand : AirCmdlet
{
    private const string ByUrl = "ByUrl";
    private const string ById = "ById";

    private readonly List<string> urls = [];
    private readonly List<string> ids = [];

    /// <summary>The entry values to remove, exactly as blocked (case-insensitive).</summary>
    [ArgumentCompleter(typeof(AirRemediation.Completers.UrlEntryCompleter))]
    [Parameter(ParameterSetName = ByUrl, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Url { get; set; } = [];

    /// <summary>The entry ids to remove; binds from Get-AirUrlBlock and Block-AirUrl output.</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Identity")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Skip the confirmation prompt (-WhatIf still only reports).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override Task ProcessAsync(CancellationToken ct)
    {
        if (ParameterSetName == ByUrl) urls.AddRange(Url); else ids.AddRange(Id);
        return Task.CompletedTask;
    }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var confirmedUrls = urls.Distinct(StringComparer.OrdinalIgnoreCase).Where(u => ShouldRun(u, "Remove the URL block entry from the Tenant Allow/Block List", Force)).ToList();
        var confirmedIds = ids.Distinct(StringComparer.Ordinal).Where(i => ShouldRun(i, "Remove the URL block entry with this id from the Tenant Allow/Block List", Force)).ToList();
        if (IsWhatIf() || confirmedUrls.Count + confirmedIds.Count == 0) return;
        var sink = RunSinks.For(this, Emit, EmitError, Progress);
        var request = Remediation.Normalize(session, new UrlUnblockRequest { Urls = confirmedUrls, Ids = confirmedIds });
        var summary = await Remediation.RunAsync(session, request, null, sink, ct).ConfigureAwait(false);
        Emit(ResultMapper.ToOutput(summary));
    }
}
