using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>One message (or one mailbox or input that could not be searched) and what happened to it.</summary>
public sealed record MessageResult
{
    public required string ActionId { get; init; }
    public required string Mailbox { get; init; }
    public string? InternetMessageId { get; init; }
    public string? Subject { get; init; }
    public string? MessageId { get; init; }
    public required ItemState Outcome { get; init; }
    public string? Reason { get; init; }
    /// <summary>For failures: what kind, so the cmdlet can write an error with a specific ErrorId.</summary>
    public AirErrorKind? ErrorKind { get; init; }
    public string? FromFolderId { get; init; }
    public string? ToFolderId { get; init; }
    public DateTimeOffset? ReceivedDateTime { get; init; }
    /// <summary>True for undo results (moved back) rather than soft deletes.</summary>
    public bool IsUndo { get; init; }
}
