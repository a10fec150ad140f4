using System.Security.Cryptography.X509Certificates;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Identity;

/// <summary>Checks a jwt-bearer client assertion the way Entra does: registered cert (x5t / x5t#S256), signature, aud/iss/sub/exp.</summary>
public static class ClientAssertionValidator
{
    public static bool Validate(string assertion, SimApp app, string tokenEndpointPath, TimeProvider clock, out string failure)
    {
        failure = "";
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            failure = "Client assertion is not a valid JWT.";
            return false;
        }
        JsonObject header, claims;
        try
        {
            header = JsonNode.Parse(TokenService.FromBase64Url(parts[0]))!.AsObject();
            claims = JsonNode.Parse(TokenService.FromBase64Url(parts[1]))!.AsObject();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            failure = "Client assertion is not a valid JWT.";
            return false;
        }

        var x5t = header["x5t"]?.GetValue<string>();
        var x5tS256 = header["x5t#S256"]?.GetValue<string>();
        X509Certificate2? cert = null;
        foreach (var c in app.Certificates)
        {
            if ((x5t is not null && x5t == TokenService.Base64Url(c.GetCertHash(HashAlgorithmName.SHA1)))
                || (x5tS256 is not null && x5tS256 == TokenService.Base64Url(c.GetCertHash(HashAlgorithmName.SHA256))))
            {
                cert = c;
                break;
            }
        }
        if (cert is null)
        {
            failure = $"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{ThumbprintHex(x5t)}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app.ClientId}'.]";
            return false;
        }

        var alg = header["alg"]?.GetValue<string>();
        var padding = alg switch { "RS256" => RSASignaturePadding.Pkcs1, "PS256" => RSASignaturePadding.Pss, _ => null };
        using var rsa = cert.GetRSAPublicKey();
        byte[] sig;
        try
        {
            sig = TokenService.FromBase64Url(parts[2]);
        }
        catch (FormatException)
        {
            sig = [];
        }
        if (padding is null || rsa is null || !rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), sig, HashAlgorithmName.SHA256, padding))
        {
            failure = "Client assertion failed signature validation.";
            return false;
        }

        var aud = claims["aud"]?.GetValue<string>() ?? "";
        if (!aud.EndsWith(tokenEndpointPath, StringComparison.OrdinalIgnoreCase) && !aud.EndsWith("/oauth2/v2.0/token", StringComparison.OrdinalIgnoreCase))
        {
            failure = $"Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds .";
            return false;
        }
        if (claims["iss"]?.GetValue<string>() != app.ClientId || claims["sub"]?.GetValue<string>() != app.ClientId)
        {
            failure = "Client assertion contains an invalid issuer or subject claim.";
            return false;
        }
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (NumericDate(claims["exp"]) is not { } exp || exp <= now)
        {
            failure = "Client assertion is not within its valid time range.";
            return false;
        }
        if (NumericDate(claims["nbf"]) is { } nbf && nbf > now + 300)
        {
            failure = "Client assertion is not within its valid time range.";
            return false;
        }
        return true;
    }

    /// <summary>MSAL writes exp/nbf as JSON strings; RFC 7519 says numbers. Entra takes both, so do we.</summary>
    static long? NumericDate(JsonNode? n) => n switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    static string ThumbprintHex(string? x5t)
    {
        if (x5t is null) return "";
        try
        {
            return Convert.ToHexString(TokenService.FromBase64Url(x5t));
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
