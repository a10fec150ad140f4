namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>A mailbox's forwarding fields as Get-Mailbox returns them.</summary>
internal sealed record MailboxForwarding(string? ForwardingSmtpAddress, string? ForwardingAddress, bool DeliverToMailboxAndForward)
{
    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MailboxForwarding FromJson(string json) => JsonSerializer.Deserialize<MailboxForwarding>(json, Json) ?? new(null, null, false);
}
