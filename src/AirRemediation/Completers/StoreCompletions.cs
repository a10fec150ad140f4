using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Kinds;
using AirRemediation.Engine.Store;
using AirRemediation.Infrastructure;

namespace AirRemediation.Completers;

/// <summary>
/// What the argument completers offer, read from the connected session's action store. Internal, so Engine types
/// never appear on the public completer classes. Tab completion must never hang or throw: every read has a small
/// time budget, and no connection, a store that cannot be opened or any other failure simply yields nothing.
/// </summary>
internal static class StoreCompletions
{
    /// <summary>How long a Tab press may wait for the store before it gives up.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    private const int ActionLimit = 50;
    private const int MailboxActionLimit = 20;
    private const int MailboxItemLimit = 5_000;
    private const int MailboxResultLimit = 100;

    /// <summary>Action ids starting with <paramref name="prefix"/>, newest first, with "kind · state · summary".</summary>
    public static IReadOnlyList<(string Text, string ToolTip)> ActionIds(string prefix) =>
        Run(async ct =>
        {
            var store = await AirContext.Session!.GetStoreAsync(ct).ConfigureAwait(false);
            var query = new ActionQuery { Limit = ActionLimit, IdPrefix = string.IsNullOrEmpty(prefix) ? null : prefix };
            var list = new List<(string, string)>();
            await foreach (var a in store.QueryActionsAsync(query, ct).ConfigureAwait(false))
                list.Add((a.Id, $"{a.Kind} · {a.State} · {a.Summary ?? "(no summary)"} · {a.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}"));
            return list;
        });

    /// <summary>Mailbox addresses that the newest actions acted on, starting with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<(string Text, string ToolTip)> Mailboxes(string prefix) =>
        Run(async ct =>
        {
            var found = await Remediation.RecentMailboxesAsync(AirContext.Session!, prefix, MailboxActionLimit, MailboxItemLimit, MailboxResultLimit, ct).ConfigureAwait(false);
            return found.Select(f => (f.Mailbox, $"Seen in {f.SeenIn.Id} ({f.SeenIn.Kind}, {f.SeenIn.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm})")).ToList();
        });

    /// <summary>
    /// URL entries of the Tenant Allow/Block List starting with <paramref name="prefix"/>, read live (the list is the
    /// truth, not our journal), with their expiry as tooltip.
    /// </summary>
    public static IReadOnlyList<(string Text, string ToolTip)> UrlEntries(string prefix) =>
        Run(async ct =>
        {
            var entries = await Engine.Kinds.UrlBlock.UrlBlockList.ListAsync(AirContext.Session!, ct).ConfigureAwait(false);
            return entries
                .Where(e => e.Value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(e => e.Value, StringComparer.OrdinalIgnoreCase)
                .Take(MailboxResultLimit)
                .Select(e => (e.Value, e.ExpiresOn is { } x ? $"{e.Action}, expires {x.ToLocalTime():yyyy-MM-dd HH:mm}" : $"{e.Action}, never expires"))
                .ToList();
        });

    private static IReadOnlyList<(string, string)> Run(Func<CancellationToken, Task<List<(string, string)>>> query)
    {
        if (AirContext.Session is null) return [];
        using var cts = new CancellationTokenSource(Budget);
        try
        {
            var task = Task.Run(() => query(cts.Token), cts.Token);
            // Completion is synchronous by contract; wait a bounded time on a worker, never on the store's own thread.
            if (!task.Wait(Budget)) return [];
            return task.GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // A completer must never throw into the user's Tab press; any failure means "no suggestions".
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
    }
}
