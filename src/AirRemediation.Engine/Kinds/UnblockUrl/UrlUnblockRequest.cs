using System.Text.Json.Serialization;
using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Kinds.UnblockUrl;

/// <summary>What Unblock-AirUrl asks for: entries by value and/or by Identity.</summary>
public sealed record UrlUnblockRequest : ActionRequest
{
    public IReadOnlyList<string> Urls { get; init; } = [];
    public IReadOnlyList<string> Ids { get; init; } = [];

    [JsonIgnore]
    public override ActionKind Kind => ActionKind.UnblockUrl;

    /// <summary>Values trimmed and collapsed case-insensitively, ids collapsed exactly.</summary>
    internal NormalizedRequest Normalize()
    {
        var urls = Urls.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()).ToList();
        var ids = Ids.Where(i => !string.IsNullOrWhiteSpace(i)).Select(i => i.Trim()).ToList();
        if (urls.Count == 0 && ids.Count == 0)
            throw new AirException(AirErrorKind.InvalidInput, "Nothing to unblock: give -Url or -Id, or pipe entries from Get-AirUrlBlock.");
        var distinctUrls = urls.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var distinctIds = ids.Distinct(StringComparer.Ordinal).ToList();
        return new NormalizedRequest(this with { Urls = distinctUrls, Ids = distinctIds }, [],
            urls.Count - distinctUrls.Count + ids.Count - distinctIds.Count);
    }

    internal UrlUnblockRequest Canonical() => this with
    {
        Urls = [.. Urls.Select(u => u.ToLowerInvariant()).Order(StringComparer.Ordinal)],
        Ids = [.. Ids.Order(StringComparer.Ordinal)],
    };

    internal string Describe()
    {
        var n = Urls.Count + Ids.Count;
        return $"Unblock {n} URL entr{(n == 1 ? "y" : "ies")}: {string.Join(", ", Urls.Concat(Ids).Take(3))}{(n > 3 ? ", …" : "")}";
    }
}
