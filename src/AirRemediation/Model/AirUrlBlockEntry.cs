namespace AirRemediation;

/// <summary>A URL block entry of the Tenant Allow/Block List.</summary>
public sealed class AirUrlBlockEntry
{
    /// <summary>The entry's id (Identity); Unblock-AirUrl binds it from the pipeline.</summary>
    public string Id { get; init; } = "";
    public string Url { get; init; } = "";
    public string Action { get; init; } = "Block";
    /// <summary>When the entry expires (UTC); null when it never expires.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
    public bool NoExpiration { get; init; }
    public string? Notes { get; init; }
    public DateTimeOffset? LastModified { get; init; }

    public override string ToString() => Url;
}
