using AirRemediation.Engine.Kinds.UrlBlock;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>Lists the URL block entries of the Tenant Allow/Block List, with their expiry.</summary>
[Cmdlet(VerbsCommon.Get, "AirUrlBlock")]
[OutputType(typeof(AirUrlBlockEntry))]
public sealed class GetAirUrlBlockCommand : AirCmdlet
{
    /// <summary>Only entries whose value matches one of these (wildcards allowed, e.g. '*contoso*'; case-insensitive).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Value")]
    [SupportsWildcards]
    public string[] Url { get; set; } = [];

    /// <summary>Only entries that expire before this time (entries without expiry never match).</summary>
    [Parameter]
    public DateTime? ExpiringBefore { get; set; }

    /// <summary>Only entries that never expire.</summary>
    [Parameter]
    public SwitchParameter NoExpiration { get; set; }

    private readonly List<WildcardPattern> patterns = [];

    protected override Task ProcessAsync(CancellationToken ct)
    {
        foreach (var u in Url) patterns.Add(new WildcardPattern(u, WildcardOptions.IgnoreCase));
        return Task.CompletedTask;
    }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var session = AirContext.RequireSession();
        var entries = await UrlBlockList.ListAsync(session, ct).ConfigureAwait(false);
        DateTimeOffset? before = ExpiringBefore is { } b
            ? new DateTimeOffset(b.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(b, DateTimeKind.Local) : b).ToUniversalTime()
            : null;
        foreach (var e in entries.OrderBy(x => x.Value, StringComparer.OrdinalIgnoreCase))
        {
            if (patterns.Count > 0 && !patterns.Any(p => p.IsMatch(e.Value))) continue;
            if (NoExpiration && e.ExpiresOn is not null) continue;
            if (before is { } limit && (e.ExpiresOn is null || e.ExpiresOn >= limit)) continue;
            Emit(ResultMapper.ToOutput(e));
        }
    }
}
