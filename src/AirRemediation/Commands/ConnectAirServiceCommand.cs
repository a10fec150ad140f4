using System.Security;
using System.Security.Cryptography.X509Certificates;
using AirRemediation.Engine.Auth;
using AirRemediation.Infrastructure;

namespace AirRemediation.Commands;

/// <summary>
/// <para type="synopsis">Signs in to Microsoft Graph and Exchange Online for AirRemediation.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "AirService", DefaultParameterSetName = Interactive)]
[OutputType(typeof(AirConnection))]
public sealed class ConnectAirServiceCommand : AirCmdlet
{
    private const string Interactive = "Interactive";
    private const string DeviceCode = "DeviceCode";
    private const string ClientSecretSet = "ClientSecret";
    private const string CertificateThumbprintSet = "CertificateThumbprint";
    private const string CertificateFileSet = "CertificateFile";
    private const string CertificateObjectSet = "CertificateObject";
    private const string ManagedIdentitySet = "ManagedIdentity";
    private const string AccessTokenSet = "AccessToken";

    /// <summary>Tenant id (GUID) or a verified domain name. The connection is refused unless Microsoft Graph confirms the
    /// sign-in belongs to this tenant; with -AccessToken it pins the tenant the token must be of.</summary>
    [Parameter(ParameterSetName = Interactive)]
    [Parameter(ParameterSetName = DeviceCode)]
    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet, Mandatory = true)]
    [Parameter(ParameterSetName = CertificateThumbprintSet, Mandatory = true)]
    [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true)]
    [Parameter(ParameterSetName = CertificateObjectSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? TenantId { get; set; }

    /// <summary>Application (client) id; for -ManagedIdentity, the client id of a user-assigned identity.</summary>
    [Parameter(ParameterSetName = Interactive)]
    [Parameter(ParameterSetName = DeviceCode)]
    [Parameter(ParameterSetName = ClientSecretSet, Mandatory = true)]
    [Parameter(ParameterSetName = CertificateThumbprintSet, Mandatory = true)]
    [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true)]
    [Parameter(ParameterSetName = CertificateObjectSet, Mandatory = true)]
    [Parameter(ParameterSetName = ManagedIdentitySet)]
    [ValidateNotNullOrEmpty]
    [Alias("ApplicationId", "AppId")]
    public string? ClientId { get; set; }

    /// <summary>Sign in with the device code flow (a code to enter on another device).</summary>
    [Parameter(ParameterSetName = DeviceCode, Mandatory = true)]
    [Alias("DeviceCode")]
    public SwitchParameter UseDeviceCode { get; set; }

    /// <summary>Client secret of the application, as a SecureString.</summary>
    [Parameter(ParameterSetName = ClientSecretSet, Mandatory = true)]
    public SecureString? ClientSecret { get; set; }

    /// <summary>Thumbprint of a certificate with a private key in the CurrentUser or LocalMachine personal store.</summary>
    [Parameter(ParameterSetName = CertificateThumbprintSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? CertificateThumbprint { get; set; }

    /// <summary>Path of a PFX (PKCS#12) file holding the certificate and its private key.</summary>
    [Parameter(ParameterSetName = CertificateFileSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? CertificatePath { get; set; }

    /// <summary>Password of the PFX file.</summary>
    [Parameter(ParameterSetName = CertificateFileSet)]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>A certificate object with a private key.</summary>
    [Parameter(ParameterSetName = CertificateObjectSet, Mandatory = true)]
    [ValidateNotNull]
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Sign in as the managed identity of the Azure resource (Automation account, VM, App Service).</summary>
    [Parameter(ParameterSetName = ManagedIdentitySet, Mandatory = true)]
    [Alias("Identity")]
    public SwitchParameter ManagedIdentity { get; set; }

    /// <summary>A Graph access token you obtained yourself.</summary>
    [Parameter(ParameterSetName = AccessTokenSet, Mandatory = true)]
    public SecureString? AccessToken { get; set; }

    /// <summary>An Exchange Online access token (audience outlook.office365.com) to go with -AccessToken.</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    public SecureString? ExchangeAccessToken { get; set; }

    /// <summary>Microsoft cloud to sign in to.</summary>
    [Parameter]
    [ValidateSet("Global", "USGovernment", "USGovernmentDoD", "China")]
    public string Environment { get; set; } = "Global";

    /// <summary>Graph base address override: the tenant simulator's http://127.0.0.1:PORT/v1.0, or the chosen cloud's own
    /// Graph host. Any other host is refused before a token is requested.</summary>
    [Parameter]
    public Uri? GraphEndpoint { get; set; }

    /// <summary>Exchange Online base address override (the admin API lives under /adminapi): loopback or the chosen cloud's
    /// Exchange host only.</summary>
    [Parameter]
    public Uri? ExchangeEndpoint { get; set; }

    /// <summary>Entra authority host override (https): the tenant simulator's https://127.0.0.1:PORT/, or the chosen
    /// cloud's Entra host. Secrets and client assertions are posted nowhere else.</summary>
    [Parameter]
    public Uri? AuthorityHost { get; set; }

    /// <summary>Path of the SQLite action store; default is under your profile.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ActionStorePath { get; set; }

    /// <summary>Azure Table Storage endpoint of a queue shared by the team (e.g. https://contosoair.table.core.windows.net/).
    /// Signed in to with this connection's own identity (it needs 'Storage Table Data Contributor' on the account).</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? ActionStoreTableEndpoint { get; set; }

    /// <summary>Connection string or SAS URL of a shared Azure Table Storage queue (also what Azurite takes).</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? ActionStoreConnectionString { get; set; }

    /// <summary>Table name prefix of the shared queue (default "air": tables airqueue and airitems).</summary>
    [Parameter]
    [ValidatePattern("^[A-Za-z][A-Za-z0-9]{0,50}$")]
    public string? ActionStoreTablePrefix { get; set; }

    protected override async Task EndAsync(CancellationToken ct)
    {
        var request = new ConnectionRequest
        {
            Method = ParameterSetName switch
            {
                DeviceCode => SignInMethod.DeviceCode,
                ClientSecretSet => SignInMethod.ClientSecret,
                CertificateThumbprintSet or CertificateFileSet or CertificateObjectSet => SignInMethod.Certificate,
                ManagedIdentitySet => SignInMethod.ManagedIdentity,
                AccessTokenSet => SignInMethod.AccessToken,
                _ => SignInMethod.InteractiveBrowser,
            },
            TenantId = TenantId,
            ClientId = ParameterSetName == ManagedIdentitySet ? null : ClientId,
            ManagedIdentityClientId = ParameterSetName == ManagedIdentitySet ? ClientId : null,
            ClientSecret = ClientSecret,
            CertificateThumbprint = CertificateThumbprint,
            CertificatePath = CertificatePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CertificatePath),
            CertificatePassword = CertificatePassword,
            Certificate = Certificate,
            GraphAccessToken = AccessToken,
            ExchangeAccessToken = ExchangeAccessToken,
            Environment = Environment,
            GraphEndpoint = GraphEndpoint,
            ExchangeEndpoint = ExchangeEndpoint,
            AuthorityHost = AuthorityHost,
            StorePath = ActionStorePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ActionStorePath),
            StoreTableEndpoint = ActionStoreTableEndpoint,
            StoreConnectionString = ActionStoreConnectionString,
            StoreTablePrefix = ActionStoreTablePrefix,
            DeviceCodePrompt = message => Post(() => WriteWarning(message)),
        };
        var session = await AirSession.ConnectAsync(request, ct).ConfigureAwait(false);
        AirContext.Replace(session);
        Emit(ConnectionMapper.ToOutput(session));
    }
}
