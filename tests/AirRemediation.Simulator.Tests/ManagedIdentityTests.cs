using Azure.Core;
using Azure.Identity;

namespace AirRemediation.Simulator.Tests;

/// <summary>ManagedIdentityCredential reads IDENTITY_ENDPOINT/IDENTITY_HEADER from the process environment, so these run alone.</summary>
[Collection("process-environment")]
public sealed class ManagedIdentityTests
{
    [Fact]
    public async Task ManagedIdentityCredential_app_service_style_gets_system_and_user_assigned_tokens()
    {
        await using var s = await TestTenant.StartAsync();
        var oldEndpoint = Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT");
        var oldHeader = Environment.GetEnvironmentVariable("IDENTITY_HEADER");
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", s.ManagedIdentityEndpoint);
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", TestTenant.IdentityHeader);
        try
        {
            var system = new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned) { Retry = { MaxRetries = 0 } });
            var t1 = await system.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default);
            var c1 = TestTenant.Claims(t1.Token);
            Assert.Equal(TestTenant.SystemIdentityClientId, (string?)c1["appid"]);
            Assert.Equal("https://graph.microsoft.com", (string?)c1["aud"]);
            Assert.True(t1.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));

            var exo = await system.GetTokenAsync(new TokenRequestContext([TestTenant.ExchangeScope]), default);
            Assert.Contains("Exchange.ManageAsApp", TestTenant.Claims(exo.Token)["roles"]!.AsArray().Select(r => (string?)r));

            var user = new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId(TestTenant.UserIdentityClientId)) { Retry = { MaxRetries = 0 } });
            var t2 = await user.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default);
            Assert.Equal(TestTenant.UserIdentityClientId, (string?)TestTenant.Claims(t2.Token)["appid"]);

            Environment.SetEnvironmentVariable("IDENTITY_HEADER", "wrong-header");
            var wrong = new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId(TestTenant.UserIdentityClientId)) { Retry = { MaxRetries = 0 } });
            await Assert.ThrowsAnyAsync<Exception>(async () => await wrong.GetTokenAsync(new TokenRequestContext([TestTenant.ExchangeScope]), default));
        }
        finally
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", oldEndpoint);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", oldHeader);
        }
    }

    [Fact]
    public async Task ManagedIdentityCredential_through_IMDS_gets_a_token()
    {
        await using var s = await TestTenant.StartAsync();
        var saved = new[] { "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSI_ENDPOINT", "IMDS_ENDPOINT" }
            .ToDictionary(n => n, Environment.GetEnvironmentVariable);
        foreach (var n in saved.Keys) Environment.SetEnvironmentVariable(n, null);
        // MSAL.NET lets the IMDS host be overridden (AKS pod identity); that is how a test reaches the simulator's IMDS.
        Environment.SetEnvironmentVariable("AZURE_POD_IDENTITY_AUTHORITY_HOST", s.Imds);
        try
        {
            var cred = new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId(TestTenant.UserIdentityClientId)) { Retry = { MaxRetries = 0 } });
            var token = await cred.GetTokenAsync(new TokenRequestContext([TestTenant.GraphScope]), default);
            Assert.Equal(TestTenant.UserIdentityClientId, (string?)TestTenant.Claims(token.Token)["appid"]);
        }
        finally
        {
            foreach (var (n, v) in saved) Environment.SetEnvironmentVariable(n, v);
        }
    }
}
