namespace AirRemediation.Engine.Store;

/// <summary>
/// Where the Azure Table Storage action store lives. Give exactly one of <see cref="Endpoint"/> (used with a token
/// credential: the session's Azure.Identity sign-in, scope https://storage.azure.com/.default) or
/// <see cref="ConnectionString"/> (an account connection string, a connection string with SharedAccessSignature,
/// or a SAS URL; the form Azurite takes).
/// </summary>
public sealed record TableStoreOptions
{
    /// <summary>The table service endpoint, e.g. https://contosoair.table.core.windows.net/ (no SAS in it).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>A connection string or SAS URL. Never shown in messages or in <see cref="IActionStore.Location"/>.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Prefix of the two tables (<c>&lt;prefix&gt;queue</c> and <c>&lt;prefix&gt;items</c>); letters and digits, starting
    /// with a letter. One prefix is one queue: every session and runbook pointed at the same account and prefix shares it.</summary>
    public string TablePrefix { get; init; } = "air";

    /// <summary>How many times the service client retries a failed request (network error, 5xx, 429) before the store reports
    /// StoreUnavailable. Default 3.</summary>
    public int MaxRetries { get; init; } = 3;
}
