using System.Text;
using System.Text.Json;

namespace AirRemediation.Engine.Tests.Auth;

/// <summary>Makes unsigned JWT-shaped tokens with chosen claims.</summary>
internal static class TestJwt
{
    public static string Make(object claims)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64(JsonSerializer.Serialize(claims)) + ".c2lnbmF0dXJl";
    }
}
