using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>What happened to one URL entry in a block, unblock or undo run.</summary>
public sealed record UrlBlockResult
{
    public required string ActionId { get; init; }
    public required string Url { get; init; }
    /// <summary>The entry's Identity in the Tenant Allow/Block List, when there is one.</summary>
    public string? Id { get; init; }
    public required ItemState State { get; init; }
    public required UrlOutcome Outcome { get; init; }
    public string? Reason { get; init; }
    /// <summary>For entries rejected before sending: the URL syntax rule they break.</summary>
    public UrlEntryRule? Rule { get; init; }
    public AirErrorKind? ErrorKind { get; init; }
    public DateTimeOffset? ExpiresOn { get; init; }
    /// <summary>True when the entry never expires.</summary>
    public bool NoExpiration { get; init; }
    public string? Notes { get; init; }
}
