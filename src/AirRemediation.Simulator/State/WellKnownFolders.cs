namespace AirRemediation.Simulator.State;

/// <summary>
/// Folders every mailbox has, by Graph well-known name. Shared by all mailboxes (ids are derived from the
/// mailbox index) so a generated tenant of 10,000 mailboxes does not hold 170,000 folder objects.
/// </summary>
public static class WellKnownFolders
{
    public sealed record Definition(string Name, string DisplayName, int ParentIndex, bool Hidden);

    public const int Root = 0;
    public const int Inbox = 1;
    public const int DeletedItems = 2;
    public const int JunkEmail = 3;
    public const int Archive = 4;
    public const int RecoverableItemsDeletions = 5;
    public const int SentItems = 6;
    public const int Drafts = 7;
    /// <summary>Not a Graph well-known name: where hardDelete items go (Recoverable Items\Purges).</summary>
    public const int Purges = 17;

    // Recoverable Items folders sit outside the IPM subtree (parent -1): hidden from Outlook and from /messages.
    public static readonly IReadOnlyList<Definition> All =
    [
        new("msgfolderroot", "Top of Information Store", -1, false),
        new("inbox", "Inbox", Root, false),
        new("deleteditems", "Deleted Items", Root, false),
        new("junkemail", "Junk Email", Root, false),
        new("archive", "Archive", Root, false),
        new("recoverableitemsdeletions", "Deletions", -1, true),
        new("sentitems", "Sent Items", Root, false),
        new("drafts", "Drafts", Root, false),
        new("outbox", "Outbox", Root, false),
        new("conversationhistory", "Conversation History", Root, false),
        new("clutter", "Clutter", Root, false),
        new("scheduled", "Scheduled", Root, false),
        new("searchfolders", "Finder", -1, true),
        new("syncissues", "Sync Issues", Root, false),
        new("conflicts", "Conflicts", 13, false),
        new("localfailures", "Local Failures", 13, false),
        new("serverfailures", "Server Failures", 13, false),
        new("recoverableitemspurges", "Purges", -1, true),
    ];

    public static int IndexOf(string name)
    {
        for (var i = 0; i < All.Count; i++)
        {
            // Purges is ours, not Graph's: it cannot be addressed by name.
            if (i != Purges && string.Equals(All[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }
}
