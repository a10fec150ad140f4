namespace AirRemediation.Engine.Graph;

/// <summary>One page of a message listing and the link to the next, if any.</summary>
public sealed record MessagePage(IReadOnlyList<MailMessage> Messages, string? NextLink);
