using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Graph;

/// <summary>A message in Graph's shape (the property set and JSON types of Microsoft's move response sample).</summary>
public static class MessageJson
{
    public static readonly HashSet<string> Properties = new(StringComparer.OrdinalIgnoreCase)
    {
        "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "receivedDateTime", "sentDateTime", "hasAttachments",
        "internetMessageId", "subject", "bodyPreview", "importance", "parentFolderId", "conversationId",
        "isDeliveryReceiptRequested", "isReadReceiptRequested", "isRead", "isDraft", "webLink", "inferenceClassification", "body",
        "sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag", "uniqueBody", "internetMessageHeaders",
    };

    public static string Time(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Id(Mailbox m, SimMessage msg, bool immutable) =>
        immutable ? ItemIds.ImmutableId(m.Index, msg.Seq) : ItemIds.RestId(m.Index, msg.Seq, msg.Version);

    static string ChangeKey(SimMessage msg) =>
        "CQAAABYAAAC4ofQHEIqCSbQPot83AFcbAA" + Convert.ToBase64String(BitConverter.GetBytes(msg.Version * 7919 + msg.Seq)).TrimEnd('=');

    static JsonObject Recipient(string? name, string address) => new()
    {
        ["emailAddress"] = new JsonObject { ["name"] = name ?? address, ["address"] = address },
    };

    public static JsonObject Build(Mailbox m, SimMessage msg, bool immutable)
    {
        var id = Id(m, msg, immutable);
        var changeKey = ChangeKey(msg);
        var preview = msg.BodyPreview ?? (msg.Urls is { Length: > 0 } ? "Please review and pay: " + string.Join(' ', msg.Urls) : "Hello, see the details below.");
        var urls = msg.Urls is { Length: > 0 } ? string.Concat(msg.Urls.Select(u => $"<a href=\"{u}\">{u}</a>")) : "";
        var conversation = "AAQkAD" + Convert.ToBase64String(Encoding.UTF8.GetBytes(msg.Subject.Length > 12 ? msg.Subject[..12] : msg.Subject));
        return new JsonObject
        {
            ["@odata.etag"] = $"W/\"{changeKey}\"",
            ["id"] = id,
            ["createdDateTime"] = Time(msg.ReceivedTicks),
            ["lastModifiedDateTime"] = Time(msg.LastModifiedTicks),
            ["changeKey"] = changeKey,
            ["categories"] = new JsonArray(),
            ["receivedDateTime"] = Time(msg.ReceivedTicks),
            ["sentDateTime"] = Time(msg.ReceivedTicks - TimeSpan.TicksPerSecond * 2),
            ["hasAttachments"] = msg.HasAttachments,
            ["internetMessageId"] = msg.InternetMessageId,
            ["subject"] = msg.Subject,
            ["bodyPreview"] = preview,
            ["importance"] = "normal",
            ["parentFolderId"] = ItemIds.FolderId(m.Index, msg.FolderIndex),
            ["conversationId"] = conversation,
            ["isDeliveryReceiptRequested"] = null,
            ["isReadReceiptRequested"] = false,
            ["isRead"] = msg.IsRead,
            ["isDraft"] = false,
            ["webLink"] = "https://outlook.office365.com/owa/?ItemID=" + Uri.EscapeDataString(id) + "&exvsurl=1&viewmodel=ReadMessageItem",
            ["inferenceClassification"] = "focused",
            ["body"] = new JsonObject { ["contentType"] = "html", ["content"] = $"<html><body><p>{System.Net.WebUtility.HtmlEncode(preview)}</p>{urls}</body></html>" },
            ["sender"] = Recipient(msg.FromName, msg.FromAddress),
            ["from"] = Recipient(msg.FromName, msg.FromAddress),
            ["toRecipients"] = new JsonArray(Recipient(m.Owner.DisplayName, m.Owner.Mail)),
            ["ccRecipients"] = new JsonArray(),
            ["bccRecipients"] = new JsonArray(),
            ["replyTo"] = new JsonArray(),
            ["flag"] = new JsonObject { ["flagStatus"] = "notFlagged" },
        };
    }

    public static JsonObject Folder(Mailbox m, int index)
    {
        int total = 0, unread = 0, children = 0;
        foreach (var msg in m.Messages)
        {
            if (msg.FolderIndex != index || msg.Purged) continue;
            total++;
            if (!msg.IsRead) unread++;
        }
        for (var i = 0; i < m.FolderCount; i++) if (i != index && m.FolderParent(i) == index) children++;
        var parent = m.FolderParent(index);
        return new JsonObject
        {
            ["id"] = ItemIds.FolderId(m.Index, index),
            ["displayName"] = m.FolderDisplayName(index),
            ["parentFolderId"] = ItemIds.FolderId(m.Index, parent < 0 ? WellKnownFolders.Root : parent),
            ["childFolderCount"] = children,
            ["unreadItemCount"] = unread,
            ["totalItemCount"] = total,
            ["sizeInBytes"] = total * 4096L,
            ["isHidden"] = index < WellKnownFolders.All.Count && WellKnownFolders.All[index].Hidden,
        };
    }
}
