using System.Net;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace AirRemediation.Engine.Auth;

/// <summary>Turns a <see cref="ConnectionRequest"/> into an Azure.Identity credential.</summary>
internal static class CredentialFactory
{
    public static TokenCredential Create(ConnectionRequest r, Uri authorityHost, bool customAuthority, HttpMessageHandler handler, TimeProvider clock)
    {
        switch (r.Method)
        {
            case SignInMethod.ClientSecret:
                RequireTenantAndClient(r);
                if (r.ClientSecret is null || r.ClientSecret.Length == 0)
                    throw new AirException(AirErrorKind.InvalidInput, "-ClientSecret is empty.", "ClientSecret");
                return new ClientSecretCredential(r.TenantId, r.ClientId, Reveal(r.ClientSecret),
                    Configure(new ClientSecretCredentialOptions(), authorityHost, customAuthority, handler));

            case SignInMethod.Certificate:
                RequireTenantAndClient(r);
                return new ClientCertificateCredential(r.TenantId, r.ClientId, LoadCertificate(r),
                    Configure(new ClientCertificateCredentialOptions(), authorityHost, customAuthority, handler));

            case SignInMethod.DeviceCode:
            {
                var o = Configure(new DeviceCodeCredentialOptions
                {
                    TenantId = r.TenantId ?? "organizations",
                    ClientId = r.ClientId ?? AirDefaults.PublicClientId,
                    DeviceCodeCallback = (info, _) =>
                    {
                        r.DeviceCodePrompt?.Invoke(info.Message);
                        return Task.CompletedTask;
                    },
                }, authorityHost, customAuthority, handler);
                return new DeviceCodeCredential(o);
            }

            case SignInMethod.InteractiveBrowser:
            {
                var o = Configure(new InteractiveBrowserCredentialOptions
                {
                    TenantId = r.TenantId ?? "organizations",
                    ClientId = r.ClientId ?? AirDefaults.PublicClientId,
                    RedirectUri = new Uri("http://localhost"),
                }, authorityHost, customAuthority, handler);
                return new InteractiveBrowserCredential(o);
            }

            case SignInMethod.ManagedIdentity:
            {
                var id = string.IsNullOrWhiteSpace(r.ManagedIdentityClientId)
                    ? ManagedIdentityId.SystemAssigned
                    : ManagedIdentityId.FromUserAssignedClientId(r.ManagedIdentityClientId);
                var o = new ManagedIdentityCredentialOptions(id) { Transport = new HttpClientTransport(new HttpClient(handler, disposeHandler: false)) };
                o.Retry.MaxRetries = 2;
                o.Retry.Delay = TimeSpan.FromMilliseconds(300);
                return new ManagedIdentityCredential(o);
            }

            case SignInMethod.AccessToken:
                if (r.GraphAccessToken is null || r.GraphAccessToken.Length == 0)
                    throw new AirException(AirErrorKind.InvalidInput, "-AccessToken needs a Graph access token.", "AccessToken");
                return new StaticTokenCredential(Reveal(r.GraphAccessToken), r.ExchangeAccessToken is { Length: > 0 } x ? Reveal(x) : null, clock);

            default:
                throw new AirException(AirErrorKind.InvalidInput, $"Sign-in method '{r.Method}' is not supported.");
        }
    }

    private static T Configure<T>(T o, Uri authorityHost, bool customAuthority, HttpMessageHandler handler) where T : TokenCredentialOptions
    {
        o.AuthorityHost = authorityHost;
        // The guard lets the credential talk to its authority only: a secret or assertion cannot be posted elsewhere.
        o.Transport = new HttpClientTransport(new HttpClient(new CredentialHostGuard(authorityHost, handler), disposeHandler: false));
        // Azure.Core's own retries are kept short: an unreachable endpoint should fail in seconds, not a minute.
        o.Retry.MaxRetries = 2;
        o.Retry.Delay = TimeSpan.FromMilliseconds(300);
        o.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        // Instance discovery asks login.microsoftonline.com about the authority; for the loopback simulator (the only
        // authority besides Microsoft's that EndpointPolicy lets through) that call would leave the machine, so it is off.
        switch (o)
        {
            case ClientSecretCredentialOptions c: c.DisableInstanceDiscovery = customAuthority; break;
            case ClientCertificateCredentialOptions c: c.DisableInstanceDiscovery = customAuthority; break;
            case DeviceCodeCredentialOptions c: c.DisableInstanceDiscovery = customAuthority; break;
            case InteractiveBrowserCredentialOptions c: c.DisableInstanceDiscovery = customAuthority; break;
        }
        return o;
    }

    private static void RequireTenantAndClient(ConnectionRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.TenantId))
            throw new AirException(AirErrorKind.InvalidInput, $"-TenantId is required to sign in with {r.Method}.", "TenantId");
        if (string.IsNullOrWhiteSpace(r.ClientId))
            throw new AirException(AirErrorKind.InvalidInput, $"-ClientId is required to sign in with {r.Method}.", "ClientId");
    }

    internal static X509Certificate2 LoadCertificate(ConnectionRequest r)
    {
        if (r.Certificate is not null)
        {
            if (!r.Certificate.HasPrivateKey)
                throw new AirException(AirErrorKind.InvalidInput,
                    $"The certificate '{r.Certificate.Subject}' ({r.Certificate.Thumbprint}) has no private key; a sign-in certificate needs one.", "Certificate");
            return r.Certificate;
        }
        if (!string.IsNullOrWhiteSpace(r.CertificatePath))
        {
            var path = Path.GetFullPath(r.CertificatePath);
            if (!File.Exists(path))
                throw new AirException(AirErrorKind.InvalidInput, $"The certificate file '{path}' does not exist.", path);
            try
            {
                var cert = X509CertificateLoader.LoadPkcs12FromFile(path, r.CertificatePassword is null ? null : Reveal(r.CertificatePassword));
                if (!cert.HasPrivateKey)
                    throw new AirException(AirErrorKind.InvalidInput, $"The certificate file '{path}' holds no private key.", path);
                return cert;
            }
            catch (CryptographicException)
            {
                throw new AirException(AirErrorKind.InvalidInput,
                    $"The certificate file '{path}' could not be opened: the password is wrong or it is not a PFX/PKCS#12 file.", path);
            }
        }
        if (!string.IsNullOrWhiteSpace(r.CertificateThumbprint))
        {
            var thumb = r.CertificateThumbprint.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using var store = new X509Store(StoreName.My, location);
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumb, validOnly: false);
                    foreach (var c in found)
                        if (c.HasPrivateKey) return c;
                }
                catch (CryptographicException)
                {
                    // The store does not exist for this location on this platform; try the next.
                }
            }
            throw new AirException(AirErrorKind.InvalidInput,
                $"No certificate with thumbprint {thumb} and a private key was found in the CurrentUser or LocalMachine 'My' store.", thumb);
        }
        throw new AirException(AirErrorKind.InvalidInput, "Certificate sign-in needs -CertificateThumbprint, -CertificatePath or -Certificate.", "Certificate");
    }

    /// <summary>The only place a SecureString becomes a string, right before a credential takes it.</summary>
    internal static string Reveal(SecureString s)
    {
        var p = Marshal.SecureStringToGlobalAllocUnicode(s);
        try { return Marshal.PtrToStringUni(p) ?? string.Empty; }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(p); }
    }
}
