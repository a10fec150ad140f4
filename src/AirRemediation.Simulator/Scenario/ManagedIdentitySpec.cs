namespace AirRemediation.Simulator.Scenario;

/// <summary>The managed identities of the host the module "runs on" (App Service / Automation style endpoint and IMDS).</summary>
public sealed class ManagedIdentitySpec
{
    /// <summary>Value the X-IDENTITY-HEADER must carry (IDENTITY_HEADER env var of App Service/Automation).</summary>
    public string IdentityHeader { get; set; } = "";
    /// <summary>Client id of the app entry that is the system-assigned identity's service principal.</summary>
    public string? SystemAssignedClientId { get; set; }
    /// <summary>Client ids of app entries that are user-assigned identities.</summary>
    public List<string> UserAssignedClientIds { get; set; } = [];
}
