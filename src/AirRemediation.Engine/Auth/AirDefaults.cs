namespace AirRemediation.Engine.Auth;

internal static class AirDefaults
{
    /// <summary>
    /// Client id for delegated sign-in when none is given: Microsoft Graph Command Line Tools, the public client
    /// Connect-MgGraph uses (learn.microsoft.com/powershell/microsoftgraph/authentication-commands).
    /// </summary>
    public const string PublicClientId = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
}
