using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace AirRemediation.Simulator.Hosting;

/// <summary>The TLS certificate of the HTTPS listener, made fresh at every start (Azure.Identity insists on an https authority).</summary>
public static class SelfSignedCertificate
{
    static readonly Lazy<X509Certificate2> Shared = new(Create);

    /// <summary>One certificate per process: RSA key generation is slow on a loaded machine and tests start many servers.</summary>
    public static X509Certificate2 ForThisProcess => Shared.Value;

    public static X509Certificate2 Create()
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=AirRemediation Simulator", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var cert = req.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }
}
