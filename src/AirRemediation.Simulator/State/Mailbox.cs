namespace AirRemediation.Simulator.State;

public sealed class Mailbox
{
    public required int Index { get; init; }
    public required SimUser Owner { get; init; }
    public bool RestEnabled { get; init; } = true;
    /// <summary>Users (UPNs, lower case) with FullAccess to this mailbox.</summary>
    public HashSet<string> FullAccess { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Custom folders (display names) after the well-known ones; index = WellKnownFolders.All.Count + i.</summary>
    public List<string> CustomFolders { get; } = [];
    public List<SimMessage> Messages { get; } = [];
    /// <summary>Inbox rules in Graph's JSON shape, ids included.</summary>
    public List<JsonObject> Rules { get; } = [];
    public string? ForwardingSmtpAddress { get; set; }
    public string? ForwardingAddress { get; set; }
    public bool DeliverToMailboxAndForward { get; set; }
    public int NextRuleNumber { get; set; } = 1;
    /// <summary>Everything that reads or changes this mailbox's contents locks this.</summary>
    public object Gate { get; } = new();

    public int FolderCount => WellKnownFolders.All.Count + CustomFolders.Count;

    public string FolderDisplayName(int index) =>
        index < WellKnownFolders.All.Count ? WellKnownFolders.All[index].DisplayName : CustomFolders[index - WellKnownFolders.All.Count];

    public string? FolderWellKnownName(int index) => index < WellKnownFolders.All.Count ? WellKnownFolders.All[index].Name : null;

    public int FolderParent(int index) => index < WellKnownFolders.All.Count ? WellKnownFolders.All[index].ParentIndex : WellKnownFolders.Root;

    /// <summary>
    /// Finds a folder by well-known name or id, as Graph does. Custom folders' display names are accepted only when
    /// loading a scenario: Graph itself never resolves a folder by display name.
    /// </summary>
    public int ResolveFolder(string idOrName, bool allowDisplayName = false)
    {
        var wk = WellKnownFolders.IndexOf(idOrName);
        if (wk >= 0) return wk;
        for (var i = 0; allowDisplayName && i < CustomFolders.Count; i++)
        {
            if (string.Equals(CustomFolders[i], idOrName, StringComparison.OrdinalIgnoreCase)) return WellKnownFolders.All.Count + i;
        }
        if (ItemIds.TryDecode(idOrName, out var kind, out var mbx, out var idx, out _) && kind == ItemIdKind.Folder && mbx == Index && idx < FolderCount)
        {
            return idx;
        }
        return -1;
    }
}
