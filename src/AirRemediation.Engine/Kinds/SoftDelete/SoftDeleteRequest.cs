using System.Text.Json.Serialization;
using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>One (mailbox, internet message id) pair to soft delete.</summary>
public sealed record MessageTarget(string Mailbox, string InternetMessageId);

/// <summary>
/// What Invoke-AirSoftDelete (or a proposal) asks for: specific messages, or a cluster query over chosen or all
/// mailboxes. Stored with the action as JSON, so every run works from exactly the same request.
/// </summary>
public sealed record SoftDeleteRequest : ActionRequest
{
    /// <summary>By-message mode: the pairs to remove.</summary>
    public IReadOnlyList<MessageTarget> Messages { get; init; } = [];

    /// <summary>Cluster mode: the query; null in by-message mode.</summary>
    public ClusterQuery? Query { get; init; }

    /// <summary>Cluster mode: the mailboxes to search (ignored with <see cref="AllMailboxes"/>).</summary>
    public IReadOnlyList<string> Mailboxes { get; init; } = [];

    public bool AllMailboxes { get; init; }

    /// <summary>Cluster mode: how the mailboxes to search are found (message trace, the full scan, or Auto).</summary>
    public ClusterDiscovery Discovery { get; init; }

    /// <summary>Safety limit: never soft delete more than this many messages in one action.</summary>
    public int MaxMessages { get; init; } = 10_000;

    /// <summary>True in cluster mode (a query); false for specific messages.</summary>
    [JsonIgnore]
    public bool IsCluster => Query is not null;

    /// <summary>A query is a cluster soft delete; specific messages are a soft delete of email.</summary>
    [JsonIgnore]
    public override ActionKind Kind => IsCluster ? ActionKind.SoftDeleteCluster : ActionKind.SoftDeleteEmail;

    /// <summary>The same request, whatever the order of its inputs.</summary>
    internal SoftDeleteRequest Canonical() => this with
    {
        Messages = [.. Messages.OrderBy(m => m.Mailbox, StringComparer.Ordinal).ThenBy(m => m.InternetMessageId, StringComparer.Ordinal)],
        Mailboxes = [.. Mailboxes.Order(StringComparer.Ordinal)],
        Query = Query is null ? null : Query with { InternetMessageIds = [.. Query.InternetMessageIds.Order(StringComparer.Ordinal)] },
    };

    /// <summary>
    /// Normalises addresses and ids and splits off the inputs that can never succeed, each with its own error.
    /// Duplicates collapse into one (counted in <see cref="NormalizedRequest.Duplicates"/>).
    /// </summary>
    internal NormalizedRequest Normalize()
    {
        var rejected = new List<RejectedInput>();
        var duplicates = 0;
        if (MaxMessages < 1)
            throw new AirException(AirErrorKind.InvalidInput, $"-MaxMessages must be at least 1 (got {MaxMessages}).", MaxMessages.ToString(CultureInfo.InvariantCulture));
        if (IsCluster)
        {
            Query!.Validate();
            var query = Query with { InternetMessageIds = [.. Query.InternetMessageIds.Select(Addresses.NormalizeInternetMessageId).Distinct(StringComparer.Ordinal)] };
            if (AllMailboxes) return new NormalizedRequest(this with { Query = query, Mailboxes = [] }, rejected, 0);
            if (Mailboxes.Count == 0)
                throw new AirException(AirErrorKind.InvalidInput, "A cluster soft delete needs -Mailbox or -AllMailboxes.");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var list = new List<string>();
            foreach (var raw in Mailboxes)
            {
                try
                {
                    var m = Addresses.NormalizeMailbox(raw);
                    if (seen.Add(m)) list.Add(m); else duplicates++;
                }
                catch (AirException e) { rejected.Add(new RejectedInput(raw ?? "", e)); }
            }
            return new NormalizedRequest(this with { Query = query, Mailboxes = list }, rejected, duplicates);
        }

        if (Messages.Count == 0)
            throw new AirException(AirErrorKind.InvalidInput, "Nothing to soft delete: give -Mailbox with -InternetMessageId, or pipe objects with those properties.");
        var pairs = new List<MessageTarget>();
        var seenPairs = new HashSet<MessageTarget>();
        foreach (var t in Messages)
        {
            try
            {
                var p = new MessageTarget(Addresses.NormalizeMailbox(t.Mailbox), Addresses.NormalizeInternetMessageId(t.InternetMessageId));
                if (seenPairs.Add(p)) pairs.Add(p); else duplicates++;
            }
            catch (AirException e) { rejected.Add(new RejectedInput($"{t.Mailbox} {t.InternetMessageId}", e)); }
        }
        return new NormalizedRequest(this with { Messages = pairs }, rejected, duplicates);
    }

    /// <summary>One line for people: prompts and summaries.</summary>
    internal string Describe() => IsCluster
        ? $"Soft delete messages matching {Query!.Describe()} in {(AllMailboxes ? "all mailboxes" : $"{Mailboxes.Count} mailbox(es): {First(Mailboxes)}")} (at most {MaxMessages})"
        : $"Soft delete {Messages.Count} message(s) in {Messages.Select(m => m.Mailbox).Distinct(StringComparer.Ordinal).Count()} mailbox(es): {First(Messages.Select(m => $"{m.InternetMessageId} in {m.Mailbox}").ToList())}";

    private static string First(IReadOnlyList<string> items) => string.Join(", ", items.Take(3)) + (items.Count > 3 ? $" and {items.Count - 3} more" : "");
}
