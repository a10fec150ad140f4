namespace AirRemediation.Simulator.Identity;

/// <summary>The two resources this simulator issues tokens for, with Microsoft's app ids.</summary>
public static class Resources
{
    public const string Graph = "https://graph.microsoft.com";
    public const string GraphAppId = "00000003-0000-0000-c000-000000000000";
    public const string Exchange = "https://outlook.office365.com";
    public const string ExchangeAppId = "00000002-0000-0ff1-ce00-000000000000";

    /// <summary>Azure Storage (the action store on Azure Table with Entra RBAC). Its tokens carry no app roles: storage
    /// decides by role assignments on the account, which Azurite's basic OAuth mode does not check.</summary>
    public const string Storage = "https://storage.azure.com";
    public const string StorageAppId = "e406a681-f3d4-42a8-90b6-c2b029497af1";

    /// <summary>Maps a scope ("https://graph.microsoft.com/.default", ".../Mail.Read") or resource to its canonical resource; null when unknown.</summary>
    public static string? FromScopeOrResource(string value)
    {
        var v = value.Trim();
        foreach (var (uri, appId) in new[] { (Graph, GraphAppId), (Exchange, ExchangeAppId), (Storage, StorageAppId) })
        {
            if (v.Equals(uri, StringComparison.OrdinalIgnoreCase) || v.Equals(uri + "/", StringComparison.OrdinalIgnoreCase)
                || v.StartsWith(uri + "/", StringComparison.OrdinalIgnoreCase)
                || v.Equals(appId, StringComparison.OrdinalIgnoreCase) || v.StartsWith(appId + "/", StringComparison.OrdinalIgnoreCase))
            {
                return uri;
            }
        }
        // Graph also answers to its bare host name in scopes such as "graph.microsoft.com/.default"? No: Entra rejects that, so do we.
        return null;
    }
}
