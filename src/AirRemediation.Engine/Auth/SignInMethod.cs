namespace AirRemediation.Engine.Auth;

/// <summary>How a session signed in. Shown by Get-AirConnection and recorded in the audit trail.</summary>
public enum SignInMethod
{
    InteractiveBrowser,
    DeviceCode,
    ClientSecret,
    Certificate,
    ManagedIdentity,
    AccessToken,
}
