using System.Text.Json;

namespace AirRemediation.Engine.UrlBlock;

/// <summary>What Block-AirUrl asks for. Stored with the action as JSON, so a resume works from the same request.</summary>
public sealed record UrlBlockRequest
{
    public IReadOnlyList<string> Urls { get; init; } = [];
    /// <summary>Explicit expiry; null with <see cref="NoExpiration"/> false = Microsoft's default (30 days).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
    public bool NoExpiration { get; init; }
    public string? Note { get; init; }
    /// <summary>An entry that already exists gets the requested expiry (and note) instead of being reported as already blocked.</summary>
    public bool UpdateExpiry { get; init; }

    /// <summary>Microsoft's default lifetime of a block entry without an explicit expiry.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);

    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The key of a direct run of this (normalised) request: the same command gives the same key.</summary>
    public string RunKey() => "BlockUrlRun:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        (this with { Urls = [.. Urls.Select(u => u.ToLowerInvariant()).Order(StringComparer.Ordinal)] }).ToJson())));

    public static UrlBlockRequest FromJson(string json) =>
        JsonSerializer.Deserialize<UrlBlockRequest>(json, Json) ?? throw new AirException(AirErrorKind.InvalidInput, "The stored URL block request is empty.");

    /// <summary>Checks the request and every entry: valid entries (duplicates collapsed, case-insensitively) and the rejected ones, each with its rule.</summary>
    public Normalized Normalize(DateTimeOffset now)
    {
        if (Urls.Count == 0) throw new AirException(AirErrorKind.InvalidInput, "Nothing to block: give -Url or pipe URL strings.");
        if (ExpiresOn is not null && NoExpiration)
            throw new AirException(AirErrorKind.InvalidInput, "-ExpiresOn and -NoExpiration can't be used together.");
        if (ExpiresOn is { } e && e <= now)
            throw new AirException(AirErrorKind.InvalidInput, $"-ExpiresOn {e:u} is in the past; give a future date or -NoExpiration.", e.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        var valid = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var rejected = new List<UrlEntryCheck>();
        var duplicates = 0;
        foreach (var raw in Urls)
        {
            // Lists pasted from files and tickets carry stray spaces at the ends; spaces inside an entry stay an error.
            var check = UrlEntryValidator.Check(raw?.Trim());
            if (!check.IsValid) { rejected.Add(check); continue; }
            if (seen.Add(check.Entry)) valid.Add(check.Entry); else duplicates++;
        }
        return new Normalized(this with { Urls = valid }, rejected, duplicates);
    }

    public sealed record Normalized(UrlBlockRequest Request, IReadOnlyList<UrlEntryCheck> Rejected, int Duplicates);
}
