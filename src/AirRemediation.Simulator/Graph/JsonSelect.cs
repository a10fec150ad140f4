namespace AirRemediation.Simulator.Graph;

/// <summary>Applies $select to a full entity: keeps the selected properties plus id and @odata annotations.</summary>
public static class JsonSelect
{
    /// <summary>Returns the unknown property name, if any ($select of a property the type does not have is a 400).</summary>
    public static string? Unknown(JsonObject full, string[]? select) =>
        select?.FirstOrDefault(s => !full.ContainsKey(s) && !full.Any(kv => string.Equals(kv.Key, s, StringComparison.OrdinalIgnoreCase)));

    public static JsonObject Apply(JsonObject full, string[]? select)
    {
        if (select is null) return full;
        var o = new JsonObject();
        foreach (var (k, v) in full)
        {
            if (k.StartsWith("@odata.", StringComparison.Ordinal) || k == "id" || select.Contains(k, StringComparer.OrdinalIgnoreCase))
            {
                o[k] = v?.DeepClone();
            }
        }
        return o;
    }
}
