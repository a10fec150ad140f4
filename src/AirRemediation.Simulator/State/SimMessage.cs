namespace AirRemediation.Simulator.State;

/// <summary>
/// One message copy in one mailbox. Kept small (no per-message id strings: ids are computed from the mailbox
/// index, the sequence number and the move version) so large generated tenants stay cheap.
/// </summary>
public sealed class SimMessage
{
    public int Seq { get; init; }
    /// <summary>Bumped on every move; part of the REST id, so the REST id changes on move as in Exchange.</summary>
    public int Version { get; set; }
    public int FolderIndex { get; set; }
    public required string InternetMessageId { get; init; }
    public string? NetworkMessageId { get; init; }
    public required string Subject { get; init; }
    public required string FromAddress { get; init; }
    public string? FromName { get; init; }
    public long ReceivedTicks { get; init; }
    public long LastModifiedTicks { get; set; }
    public bool HasAttachments { get; init; }
    /// <summary>PR_MESSAGE_CLASS: IPM.Note, or IPM.SkypeTeams.Message for a Teams chat item.</summary>
    public string ItemClass { get; init; } = "IPM.Note";
    public bool IsRead { get; set; }
    public string? BodyPreview { get; init; }
    public string[]? Urls { get; init; }
    public int TimesMoved { get; set; }
    /// <summary>Hard-deleted: gone for every API.</summary>
    public bool Purged { get; set; }

    public DateTimeOffset Received => new(ReceivedTicks, TimeSpan.Zero);
}
