using System.Text.Json.Serialization;
using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Kinds.UrlBlock;

namespace AirRemediation.Engine.Kinds.BlockUrl;

/// <summary>What Block-AirUrl (or a proposal) asks for. Stored with the action as JSON, so every run works from the same request.</summary>
public sealed record UrlBlockRequest : ActionRequest
{
    public IReadOnlyList<string> Urls { get; init; } = [];
    /// <summary>Explicit expiry; null with <see cref="NoExpiration"/> false = Microsoft's default (30 days).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
    public bool NoExpiration { get; init; }
    public string? Note { get; init; }
    /// <summary>An entry that already exists gets the requested expiry (and note) instead of being reported as already blocked.</summary>
    public bool UpdateExpiry { get; init; }

    [JsonIgnore]
    public override ActionKind Kind => ActionKind.BlockUrl;

    internal TablAddOptions AddOptions => new(ExpiresOn, NoExpiration, Note, UpdateExpiry);

    /// <summary>Checks the request and every entry: valid entries (duplicates collapsed, case-insensitively) and the rejected ones, each with its rule.</summary>
    internal NormalizedRequest Normalize(DateTimeOffset now)
    {
        if (Urls.Count == 0) throw new AirException(AirErrorKind.InvalidInput, "Nothing to block: give -Url or pipe URL strings.");
        if (ExpiresOn is not null && NoExpiration)
            throw new AirException(AirErrorKind.InvalidInput, "-ExpiresOn and -NoExpiration can't be used together.");
        if (ExpiresOn is { } e && e <= now)
            throw new AirException(AirErrorKind.InvalidInput, $"-ExpiresOn {e:u} is in the past; give a future date or -NoExpiration.", e.ToString("u", CultureInfo.InvariantCulture));
        var valid = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var rejected = new List<RejectedInput>();
        var duplicates = 0;
        foreach (var raw in Urls)
        {
            // Lists pasted from files and tickets carry stray spaces at the ends; spaces inside an entry stay an error.
            var check = UrlEntryValidator.Check(raw?.Trim());
            if (!check.IsValid)
            {
                rejected.Add(new RejectedInput(check.Entry, new AirException(AirErrorKind.InvalidInput, check.Reason ?? "not a valid entry", check.Entry), check.Rule));
                continue;
            }
            if (seen.Add(check.Entry)) valid.Add(check.Entry); else duplicates++;
        }
        return new NormalizedRequest(this with { Urls = valid }, rejected, duplicates);
    }

    /// <summary>
    /// The same block, whatever the order and case of its entries. The note is left out: it describes the block, it does
    /// not change it — the same URL proposed from two alerts (each noting its own) is one proposal.
    /// </summary>
    internal UrlBlockRequest Canonical() => this with { Urls = [.. Urls.Select(u => u.ToLowerInvariant()).Order(StringComparer.Ordinal)], Note = null };

    internal string Describe() =>
        $"Block {Urls.Count} URL entr{(Urls.Count == 1 ? "y" : "ies")} at time of click: {string.Join(", ", Urls.Take(3))}{(Urls.Count > 3 ? ", …" : "")}"
        + (NoExpiration ? " (no expiry)" : ExpiresOn is { } e ? $" until {e.UtcDateTime:yyyy-MM-dd}" : " (30 days)");
}
