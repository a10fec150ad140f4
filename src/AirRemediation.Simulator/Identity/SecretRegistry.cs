namespace AirRemediation.Simulator.Identity;

/// <summary>Every secret the simulator holds or hands out, so secret-hygiene tests can grep logs for them.</summary>
public sealed class SecretRegistry
{
    readonly ConcurrentDictionary<SecretKind, ConcurrentQueue<string>> byKind = new();

    public void Add(SecretKind kind, string value)
    {
        if (!string.IsNullOrEmpty(value)) byKind.GetOrAdd(kind, _ => new ConcurrentQueue<string>()).Enqueue(value);
    }

    public IReadOnlyList<string> Get(SecretKind kind) => byKind.TryGetValue(kind, out var q) ? [.. q.Distinct()] : [];

    public IReadOnlyList<string> All => [.. Enum.GetValues<SecretKind>().SelectMany(Get).Distinct()];

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        foreach (var kind in Enum.GetValues<SecretKind>())
        {
            var name = char.ToLowerInvariant(kind.ToString()[0]) + kind.ToString()[1..] + "s";
            o[name] = new JsonArray([.. Get(kind).Select(s => (JsonNode)s)]);
        }
        o["all"] = new JsonArray([.. All.Select(s => (JsonNode)s)]);
        return o;
    }
}
