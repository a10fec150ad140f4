namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>One URL entry of the Tenant Allow/Block List as Get-TenantAllowBlockListItems returns it.</summary>
public sealed record UrlBlockEntry
{
    /// <summary>The entry's Identity (what Remove-/Set-TenantAllowBlockListItems -Ids take).</summary>
    public required string Id { get; init; }
    public required string Value { get; init; }
    /// <summary>Block or Allow.</summary>
    public string Action { get; init; } = "Block";
    /// <summary>When the entry stops applying; null = never expires.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
    public string? Notes { get; init; }
    public DateTimeOffset? LastModified { get; init; }

    internal static UrlBlockEntry? FromJson(JsonObject o)
    {
        var id = (string?)o["Identity"];
        var value = (string?)o["Value"];
        if (id is null || value is null) return null;
        return new UrlBlockEntry
        {
            Id = id,
            Value = value,
            Action = (string?)o["Action"] ?? "Block",
            ExpiresOn = Date(o["ExpirationDate"]),
            Notes = (string?)o["Notes"] is { Length: > 0 } n ? n : null,
            LastModified = Date(o["LastModifiedDateTime"]),
        };
    }

    internal static DateTimeOffset? Date(JsonNode? n) =>
        n is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s)
        && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
}
