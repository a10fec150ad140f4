using System.Text.Json;
using System.Text.Json.Nodes;

namespace AirRemediation.Simulator.Tests;

/// <summary>Compares two JSON documents by property names and JSON value kinds (not values).</summary>
internal static class JsonShape
{
    /// <summary>Differences: properties of the sample that ours lacks or has with another JSON type, and (when exact) extra properties of ours.</summary>
    public static List<string> Diff(JsonNode? sample, JsonNode? ours, string path = "$", bool exact = true, ISet<string>? skip = null)
    {
        var diffs = new List<string>();
        if (skip?.Contains(path) == true) return diffs;
        if (sample is null) return diffs;
        if (ours is null)
        {
            diffs.Add($"{path}: sample has {sample.GetValueKind()}, ours is null");
            return diffs;
        }
        if (Kind(sample) != Kind(ours))
        {
            diffs.Add($"{path}: sample {Kind(sample)}, ours {Kind(ours)}");
            return diffs;
        }
        switch (sample)
        {
            case JsonObject so:
                var oo = ours.AsObject();
                foreach (var (k, v) in so)
                {
                    if (!oo.ContainsKey(k)) diffs.Add($"{path}.{k}: missing in ours");
                    else diffs.AddRange(Diff(v, oo[k], $"{path}.{k}", exact, skip));
                }
                if (exact)
                {
                    foreach (var (k, _) in oo)
                    {
                        if (!so.ContainsKey(k) && skip?.Contains($"{path}.{k}") != true) diffs.Add($"{path}.{k}: not in the sample");
                    }
                }
                break;
            case JsonArray sa:
                var oa = ours.AsArray();
                if (sa.Count > 0 && oa.Count > 0) diffs.AddRange(Diff(sa[0], oa[0], path + "[0]", exact, skip));
                break;
        }
        return diffs;
    }

    static string Kind(JsonNode n) => n.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var k => k.ToString(),
    };
}
