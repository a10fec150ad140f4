namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>
/// Which of Microsoft's URL syntax rules for the Tenant Allow/Block List an entry breaks (defender-docs
/// tenant-allow-block-list-urls-configure.md, "URL syntax for the Tenant Allow/Block List" and "Examples of invalid entries").
/// </summary>
public enum UrlEntryRule
{
    /// <summary>The entry is valid.</summary>
    None,
    Empty,
    TooLong,
    Whitespace,
    Quotes,
    Scheme,
    Credentials,
    Port,
    Unicode,
    HostnamePeriod,
    InvalidHostname,
    LeftWildcard,
    RightWildcard,
    MiddleWildcard,
    DoubleWildcard,
    WildcardOnly,
    WildcardInIpAddress,
    Tilde,
    FileExtension,
}
