using System.Security;
using System.Security.Cryptography.X509Certificates;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Auth;

/// <summary>
/// Everything Connect-AirService was given. BCL types only: the cmdlet layer builds it, the Engine turns it
/// into a credential. Secrets stay in <see cref="SecureString"/> until the moment a credential needs them.
/// </summary>
public sealed class ConnectionRequest
{
    public required SignInMethod Method { get; init; }
    public string? TenantId { get; init; }
    public string? ClientId { get; init; }
    public SecureString? ClientSecret { get; init; }

    /// <summary>Certificate by thumbprint from the current user's (then the local machine's) personal store.</summary>
    public string? CertificateThumbprint { get; init; }
    public string? CertificatePath { get; init; }
    public SecureString? CertificatePassword { get; init; }
    public X509Certificate2? Certificate { get; init; }

    /// <summary>User-assigned managed identity client id; null means the system-assigned identity.</summary>
    public string? ManagedIdentityClientId { get; init; }

    public SecureString? GraphAccessToken { get; init; }
    public SecureString? ExchangeAccessToken { get; init; }

    /// <summary>Microsoft cloud: Global, USGovernment, USGovernmentDoD or China.</summary>
    public string Environment { get; init; } = CloudEnvironment.Global.Name;

    /// <summary>Explicit endpoint overrides (the simulator, a proxy). Scopes stay those of <see cref="Environment"/>.</summary>
    public Uri? GraphEndpoint { get; init; }
    public Uri? ExchangeEndpoint { get; init; }
    public Uri? AuthorityHost { get; init; }

    /// <summary>Where device-code instructions go (the cmdlet shows them to the user).</summary>
    public Action<string>? DeviceCodePrompt { get; init; }

    /// <summary>Path of the SQLite action store; null for the default under the user's profile.</summary>
    public string? StorePath { get; init; }

    /// <summary>Azure Table Storage endpoint of a shared action store, used with this sign-in's credential
    /// (scope https://storage.azure.com/.default). Excludes <see cref="StorePath"/> and <see cref="StoreConnectionString"/>.</summary>
    public Uri? StoreTableEndpoint { get; init; }

    /// <summary>Connection string or SAS URL of a shared Azure Table Storage action store (the form Azurite takes).</summary>
    public SecureString? StoreConnectionString { get; init; }

    /// <summary>Table name prefix of the shared store (one prefix is one queue); null for "air".</summary>
    public string? StoreTablePrefix { get; init; }

    /// <summary>How the session paces and retries its calls (every run of the session shares one rate); null for the defaults.</summary>
    public RetryOptions? Retry { get; init; }
}
