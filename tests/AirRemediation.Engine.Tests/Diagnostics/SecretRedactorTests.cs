using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Tests.Auth;
using Xunit;

namespace AirRemediation.Engine.Tests.Diagnostics;

public class SecretRedactorTests
{
    [Fact]
    public void Bearer_tokens_JWTs_and_secret_query_values_are_masked()
    {
        var jwt = TestJwt.Make(new { tid = "t", oid = "o", appid = "secret-app" });
        var text = $"Authorization: Bearer abc.def-ghi; token {jwt}; url https://x/y?sv=1&sig=S3CR3T%2B&se=2; client_secret=hunter2&x=1";
        var r = SecretRedactor.Redact(text);
        Assert.DoesNotContain("abc.def-ghi", r, StringComparison.Ordinal);
        Assert.DoesNotContain(jwt, r, StringComparison.Ordinal);
        Assert.DoesNotContain("S3CR3T", r, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", r, StringComparison.Ordinal);
        Assert.Contains("sv=1", r, StringComparison.Ordinal);
        Assert.Contains("x=1", r, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinary_text_is_left_alone()
    {
        const string text = "GET /v1.0/users/ann@contoso.com/messages?$filter=subject eq 'O''Brien' -> 200";
        Assert.Equal(text, SecretRedactor.Redact(text));
    }
}
