namespace AirRemediation;

/// <summary>An action in the queue or history: what, its state, who proposed and decided, and its item counts.</summary>
public sealed class AirAction
{
    public string Id { get; init; } = "";
    public string Kind { get; init; } = "";
    public string State { get; init; } = "";
    public string? Summary { get; init; }
    public string ProposedBy { get; init; } = "";
    public string? ApprovedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>The Defender alert the action came from, if any.</summary>
    public string? InvestigationId { get; init; }
    public string? RelatedActionId { get; init; }
    public long Total { get; init; }
    public long Succeeded { get; init; }
    public long AlreadyRemediated { get; init; }
    public long Failed { get; init; }
    public long Skipped { get; init; }
    /// <summary>Items not finished yet (planned or in progress).</summary>
    public long Open { get; init; }
    /// <summary>The action's request, as stored (JSON).</summary>
    public string Parameters { get; init; } = "{}";
    /// <summary>Per-item journal (with -IncludeDetail or -Id).</summary>
    public AirActionItem[] Items { get; init; } = [];
    /// <summary>Audit trail entries of this action (with -IncludeDetail or -Id).</summary>
    public AirAuditEntry[] Trail { get; init; } = [];

    public override string ToString() => $"{Id} {Kind} {State}";
}
