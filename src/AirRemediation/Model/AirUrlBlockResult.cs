namespace AirRemediation;

/// <summary>One URL entry of Block-AirUrl, Unblock-AirUrl (or their undo) and what happened to it.</summary>
public sealed class AirUrlBlockResult
{
    public string ActionId { get; init; } = "";
    public string Url { get; init; } = "";
    /// <summary>The entry's id in the Tenant Allow/Block List (pipe to Unblock-AirUrl).</summary>
    public string? Id { get; init; }
    /// <summary>Blocked, AlreadyBlocked, ExpiryUpdated, Rejected, LimitReached, Unblocked, NotBlocked, Removed, Restored or Failed.</summary>
    public string Outcome { get; init; } = "";
    public string? Reason { get; init; }
    /// <summary>For a rejected entry: the URL syntax rule it breaks (Scheme, Port, LeftWildcard, …).</summary>
    public string? Rule { get; init; }
    /// <summary>When the entry expires (UTC); null when it never expires or was not added.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
    public bool NoExpiration { get; init; }
    public string? Notes { get; init; }

    public override string ToString() => $"{Url} {Outcome}";
}
