using AirRemediation.Engine.Auth;
using Xunit;

namespace AirRemediation.Engine.Tests.Auth;

public class TokenClaimsTests
{
    [Fact]
    public void App_only_claims_are_read()
    {
        var exp = new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var c = TokenClaims.Parse(TestJwt.Make(new
        {
            tid = "t-1", oid = "o-1", appid = "app-1", app_displayname = "Automation", aud = "https://graph.microsoft.com",
            roles = new[] { "Mail.ReadWrite", "SecurityAlert.ReadWrite.All" }, exp,
        }));
        Assert.Equal("t-1", c.TenantId);
        Assert.Equal("app-1", c.AppId);
        Assert.Equal("Automation", c.AppDisplayName);
        Assert.Equal(["Mail.ReadWrite", "SecurityAlert.ReadWrite.All"], c.Roles);
        Assert.False(c.IsUser);
        Assert.Equal(exp, c.ExpiresOn!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public void Delegated_claims_and_directory_roles_are_read()
    {
        var c = TokenClaims.Parse(TestJwt.Make(new
        {
            tid = "t", upn = "ann@contoso.com", scp = "Mail.ReadWrite MailboxSettings.ReadWrite", wids = new[] { DirectoryRoles.SecurityAdministrator },
        }));
        Assert.True(c.IsUser);
        Assert.Equal("ann@contoso.com", c.UserPrincipalName);
        Assert.Equal(["Mail.ReadWrite", "MailboxSettings.ReadWrite"], c.Scopes);
        Assert.Equal("Security Administrator", DirectoryRoles.NameOf(Assert.Single(c.DirectoryRoleIds)));
    }

    [Theory]
    [InlineData("opaque-token")]
    [InlineData("a.!!!notbase64!!!.c")]
    [InlineData("")]
    public void Tokens_that_are_not_JWTs_give_empty_claims_not_errors(string token)
    {
        var c = TokenClaims.Parse(token);
        Assert.Null(c.TenantId);
        Assert.Empty(c.Roles);
    }
}
