using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Abstractions;

namespace AirRemediation.Engine.Graph;

/// <summary>
/// The Graph mail calls remediation makes, each a single request (retries are the caller's). Every call asks for
/// immutable ids, so an id read before a move still names the message after it.
/// </summary>
internal sealed class MailApi(GraphServiceClient client)
{
    /// <summary>Addresses resolved to the object ids Graph takes as keys (shared by every call of this run).</summary>
    public UserKeys Keys { get; } = new(client);

    public const string RecoverableItemsDeletions = "recoverableitemsdeletions";
    private const string ImmutableIdPreference = "IdType=\"ImmutableId\"";
    private static readonly string[] MessageFields = ["id", "internetMessageId", "subject", "from", "parentFolderId", "receivedDateTime"];

    /// <summary>PR_MESSAGE_CLASS, expanded on searches so Teams chat items (which /messages lists too) are told from mail.</summary>
    private static readonly string[] MessageClass = ["singleValueExtendedProperties($filter=id eq 'String 0x001A')"];

    /// <summary>One page of users (id, mail, UPN); pass the previous page's next link to continue.</summary>
    public async Task<(IReadOnlyList<MailboxUser> Users, string? NextLink)> ListUsersPageAsync(string? nextLink, CancellationToken ct)
    {
        var response = nextLink is null
            ? await client.Users.GetAsync(r =>
            {
                r.QueryParameters.Select = ["id", "mail", "userPrincipalName"];
                r.QueryParameters.Top = 999;
            }, ct).ConfigureAwait(false)
            : await client.Users.WithUrl(nextLink).GetAsync(cancellationToken: ct).ConfigureAwait(false);
        var users = (response?.Value ?? []).Where(u => u.Id is not null).Select(u => new MailboxUser(u.Id!, u.Mail, u.UserPrincipalName)).ToList();
        foreach (var u in users) Keys.Know(u);
        return (users, response?.OdataNextLink);
    }

    /// <summary>One page of messages matching <paramref name="filter"/> in the whole mailbox, or in one folder.</summary>
    public async Task<MessagePage> FindPageAsync(string mailbox, string? folder, string filter,
        string? nextLink, int pageSize, CancellationToken ct)
    {
        void Configure<TQ>(RequestConfiguration<TQ> r) where TQ : class, new() => r.Headers.Add("Prefer", ImmutableIdPreference);
        MessageCollectionResponse? response;
        var user = client.Users[await Keys.KeyOfAsync(mailbox, ct).ConfigureAwait(false)];
        if (nextLink is not null)
        {
            response = folder is null
                ? await user.Messages.WithUrl(nextLink).GetAsync(Configure, ct).ConfigureAwait(false)
                : await user.MailFolders[folder].Messages.WithUrl(nextLink).GetAsync(Configure, ct).ConfigureAwait(false);
        }
        else if (folder is null)
        {
            response = await user.Messages.GetAsync(r =>
            {
                Configure(r);
                r.QueryParameters.Filter = filter;
                r.QueryParameters.Select = MessageFields;
                r.QueryParameters.Expand = MessageClass;
                r.QueryParameters.Top = pageSize;
            }, ct).ConfigureAwait(false);
        }
        else
        {
            response = await user.MailFolders[folder].Messages.GetAsync(r =>
            {
                Configure(r);
                r.QueryParameters.Filter = filter;
                r.QueryParameters.Select = MessageFields;
                r.QueryParameters.Top = pageSize;
            }, ct).ConfigureAwait(false);
        }
        return new MessagePage((response?.Value ?? []).Select(ToMessage).ToList(), response?.OdataNextLink);
    }

    /// <summary>Moves a message; returns it as it is after the move (its id, with immutable ids, unchanged).</summary>
    public async Task<MailMessage> MoveAsync(string mailbox, string messageId, string destination, CancellationToken ct)
    {
        var moved = await client.Users[await Keys.KeyOfAsync(mailbox, ct).ConfigureAwait(false)].Messages[messageId].Move.PostAsync(
            new Microsoft.Graph.Users.Item.Messages.Item.Move.MovePostRequestBody { DestinationId = destination },
            r => r.Headers.Add("Prefer", ImmutableIdPreference), ct).ConfigureAwait(false);
        return moved is null ? new MailMessage(messageId, null, null, null, null, null) : ToMessage(moved);
    }

    /// <summary>One message's id and folder.</summary>
    public async Task<MailMessage> GetAsync(string mailbox, string messageId, CancellationToken ct)
    {
        var m = await client.Users[await Keys.KeyOfAsync(mailbox, ct).ConfigureAwait(false)].Messages[messageId].GetAsync(r =>
        {
            r.Headers.Add("Prefer", ImmutableIdPreference);
            r.QueryParameters.Select = MessageFields;
        }, ct).ConfigureAwait(false);
        return ToMessage(m!);
    }

    /// <summary>The id of a folder by well-known name.</summary>
    public async Task<string> GetFolderIdAsync(string mailbox, string wellKnownName, CancellationToken ct)
    {
        var f = await client.Users[await Keys.KeyOfAsync(mailbox, ct).ConfigureAwait(false)].MailFolders[wellKnownName].GetAsync(r =>
        {
            r.Headers.Add("Prefer", ImmutableIdPreference);
            r.QueryParameters.Select = ["id"];
        }, ct).ConfigureAwait(false);
        return f?.Id ?? throw new InvalidOperationException("Graph returned a folder without an id.");
    }

    private static MailMessage ToMessage(Message m) =>
        new(m.Id ?? "", m.InternetMessageId, m.Subject, m.From?.EmailAddress?.Address, m.ParentFolderId, m.ReceivedDateTime,
            m.SingleValueExtendedProperties?.FirstOrDefault(p => p.Id is { } id && id.Replace(" ", "", StringComparison.Ordinal).Equals("String0x1a", StringComparison.OrdinalIgnoreCase)
                || p.Id?.Replace(" ", "", StringComparison.Ordinal).Equals("String0x001a", StringComparison.OrdinalIgnoreCase) == true)?.Value);
}
