namespace AirRemediation;

/// <summary>One message of a soft delete (or its undo) and what happened to it.</summary>
public sealed class AirMessageResult
{
    public string ActionId { get; init; } = "";
    public string Mailbox { get; init; } = "";
    public string? InternetMessageId { get; init; }
    public string? Subject { get; init; }
    /// <summary>Succeeded, AlreadyRemediated, Failed or Skipped.</summary>
    public string Outcome { get; init; } = "";
    public string? Reason { get; init; }
    public DateTimeOffset? ReceivedDateTime { get; init; }
    /// <summary>The message's immutable id in the mailbox.</summary>
    public string? MessageId { get; init; }
    /// <summary>Folder the message was in before (restored to on undo).</summary>
    public string? FromFolderId { get; init; }
    public string? ToFolderId { get; init; }

    public override string ToString() => $"{Mailbox} {InternetMessageId} {Outcome}";
}
