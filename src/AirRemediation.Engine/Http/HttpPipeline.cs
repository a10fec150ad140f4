using System.Net;
using System.Net.Security;

namespace AirRemediation.Engine.Http;

/// <summary>
/// Builds the one socket handler a session shares for every service it talks to (Entra, Graph, Exchange, the
/// store), wrapped in tracing. No retry here: retries belong to the executor's policy, which knows per-mailbox
/// throttling, and must never run twice underneath it.
/// </summary>
internal static class HttpPipeline
{
    public static HttpMessageHandler Create(int maxConnectionsPerServer = 256)
    {
        var sockets = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = maxConnectionsPerServer,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
        };
        return new TracingHandler(sockets);
    }

    /// <summary>
    /// Normal chain validation everywhere, except that a loopback host may present a self-signed certificate: that is
    /// the tenant simulator, whose token endpoint must be https for Azure.Identity. A loopback connection never leaves
    /// the machine, so there is no one in the middle to trust or distrust.
    /// </summary>
    private static bool ValidateCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? cert,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        var host = sender switch
        {
            SslStream s => s.TargetHostName,
            _ => null,
        };
        return host is not null && IsLoopback(host);
    }

    public static bool IsLoopback(string host) =>
        host is "localhost" or "127.0.0.1" or "::1" or "[::1]"
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public static bool IsLoopback(Uri uri) => uri.IsLoopback || IsLoopback(uri.Host);
}
