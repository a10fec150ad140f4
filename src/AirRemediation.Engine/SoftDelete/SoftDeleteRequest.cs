using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AirRemediation.Engine.SoftDelete;

/// <summary>One (mailbox, internet message id) pair to soft delete.</summary>
public sealed record MessageTarget(string Mailbox, string InternetMessageId);

/// <summary>
/// What Invoke-AirSoftDelete (or an approved action) asks for: specific messages, or a cluster query over chosen or
/// all mailboxes. Stored with the action as JSON, so a resume works from exactly the same request.
/// </summary>
public sealed record SoftDeleteRequest
{
    /// <summary>By-message mode: the pairs to remove.</summary>
    public IReadOnlyList<MessageTarget> Messages { get; init; } = [];

    /// <summary>Cluster mode: the query; null in by-message mode.</summary>
    public ClusterQuery? Query { get; init; }

    /// <summary>Cluster mode: the mailboxes to search (ignored with <see cref="AllMailboxes"/>).</summary>
    public IReadOnlyList<string> Mailboxes { get; init; } = [];

    public bool AllMailboxes { get; init; }

    /// <summary>Safety limit: never soft delete more than this many messages in one action.</summary>
    public int MaxMessages { get; init; } = 10_000;

    public bool IsCluster => Query is not null;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SoftDeleteRequest FromJson(string json) =>
        JsonSerializer.Deserialize<SoftDeleteRequest>(json, Json) ?? throw new AirException(AirErrorKind.InvalidInput, "The stored soft delete request is empty.");

    /// <summary>The same request always gives the same key, whatever the order of its inputs: re-running a command finds its action.</summary>
    public string DedupeKey()
    {
        var canonical = this with
        {
            Messages = [.. Messages.OrderBy(m => m.Mailbox, StringComparer.Ordinal).ThenBy(m => m.InternetMessageId, StringComparer.Ordinal)],
            Mailboxes = [.. Mailboxes.Order(StringComparer.Ordinal)],
            Query = Query is null ? null : Query with { InternetMessageIds = [.. Query.InternetMessageIds.Order(StringComparer.Ordinal)] },
        };
        return (IsCluster ? "SoftDeleteCluster:" : "SoftDeleteEmail:")
               + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJson())));
    }

    /// <summary>
    /// Normalises addresses and ids and splits off the inputs that can never succeed, each with its own error.
    /// Duplicates collapse into one (reported in <see cref="Normalized.Duplicates"/>).
    /// </summary>
    public Normalized Normalize()
    {
        var rejected = new List<(string Input, AirException Error)>();
        var duplicates = 0;
        if (MaxMessages < 1)
            throw new AirException(AirErrorKind.InvalidInput, $"-MaxMessages must be at least 1 (got {MaxMessages}).", MaxMessages.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (IsCluster)
        {
            Query!.Validate();
            var query = Query with { InternetMessageIds = [.. Query.InternetMessageIds.Select(Addresses.NormalizeInternetMessageId).Distinct(StringComparer.Ordinal)] };
            if (AllMailboxes) return new Normalized(this with { Query = query, Mailboxes = [] }, rejected, 0);
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
                catch (AirException e) { rejected.Add((raw ?? "", e)); }
            }
            return new Normalized(this with { Query = query, Mailboxes = list }, rejected, duplicates);
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
            catch (AirException e) { rejected.Add(($"{t.Mailbox} {t.InternetMessageId}", e)); }
        }
        return new Normalized(this with { Messages = pairs }, rejected, duplicates);
    }

    public sealed record Normalized(SoftDeleteRequest Request, IReadOnlyList<(string Input, AirException Error)> Rejected, int Duplicates);
}
