# Connect-AirService against the simulator: every sign-in method, the specific errors, and no secret anywhere.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:sim = Start-AirSimulator
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:endpoints = Get-SimulatorConnectParameters $sim
    # A store of this suite's own: the first verified sign-in binds a store to its tenant, and the default store under
    # the profile belongs to whoever uses this machine for real.
    $endpoints.ActionStorePath = Join-Path ([IO.Path]::GetTempPath()) ("air-connect-" + [guid]::NewGuid().ToString('n') + '.db')
    $script:secret = ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force
    $script:tenant = $sim.tenantId
    $script:pfx = Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) "Scenarios/$($app.certificates[0].pfxPath)"
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
}

Describe 'Connect-AirService sign-in methods' {
    It 'signs in with a client secret; Graph verifies the identity, the token tells the permissions' {
        $c = Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $secret @endpoints
        $c | Should -BeOfType ([AirRemediation.AirConnection])
        $c.IdentityType | Should -Be 'Application'
        $c.Identity | Should -Be $app.displayName
        $c.TenantId | Should -Be $tenant
        $c.VerifiedBy | Should -Be 'Graph'
        $c.ObjectId | Should -Match '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
        $c.DirectoryRolesVerified | Should -BeFalse -Because "an application's roles are not read (that needs Application.Read.All)"
        $c.DirectoryRoles | Should -BeNullOrEmpty
        $c.SignInMethod | Should -Be 'ClientSecret'
        $c.GraphPermissions | Should -Contain 'Mail.ReadWrite'
        $c.ExchangePermissions | Should -Contain 'Exchange.ManageAsApp'
        $c.ExchangeConnected | Should -BeTrue
        $c.GraphTokenExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        (Get-AirConnection).Identity | Should -Be $app.displayName
    }

    It 'signs in with a certificate from a PFX file' {
        $password = ConvertTo-SecureString $app.certificates[0].pfxPassword -AsPlainText -Force
        $c = Connect-AirService -TenantId $tenant -ClientId $app.clientId -CertificatePath $pfx -CertificatePassword $password @endpoints
        $c.SignInMethod | Should -Be 'Certificate'
        $c.Identity | Should -Be $app.displayName
        $c.GraphPermissions | Should -Contain 'Mail.ReadWrite'
    }

    It 'signs in with a certificate object' {
        $cert = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile($pfx, $app.certificates[0].pfxPassword)
        $c = Connect-AirService -TenantId $tenant -ClientId $app.clientId -Certificate $cert @endpoints
        $c.SignInMethod | Should -Be 'Certificate'
    }

    It 'signs in with the device code flow: the instruction is shown, then it succeeds' {
        $public = $scenario.apps | Where-Object publicClient
        $c = Connect-AirService -TenantId $tenant -ClientId $public.clientId -UseDeviceCode @endpoints -WarningVariable prompts 3>$null
        ($prompts -join "`n") | Should -Match 'enter the code'
        $c.SignInMethod | Should -Be 'DeviceCode'
        $c.IdentityType | Should -Be 'User'
        $c.Identity | Should -Be $scenario.deviceCodeUser
        $c.ObjectId | Should -Be ($scenario.users | Where-Object userPrincipalName -eq $scenario.deviceCodeUser).id
        $c.DirectoryRolesVerified | Should -BeTrue
        $c.DirectoryRoles | Should -Contain 'Security Administrator'
        $c.ExchangeConnected | Should -BeTrue
    }

    It 'signs in with access tokens the caller brings' {
        $form = @{ client_id = $app.clientId; client_secret = $app.secrets[0]; grant_type = 'client_credentials' }
        $graphToken = (Invoke-RestMethod -SkipCertificateCheck -Method Post -Uri "$($sim.authority)$tenant/oauth2/v2.0/token" -Body ($form + @{ scope = 'https://graph.microsoft.com/.default' })).access_token
        $exoToken = (Invoke-RestMethod -SkipCertificateCheck -Method Post -Uri "$($sim.authority)$tenant/oauth2/v2.0/token" -Body ($form + @{ scope = 'https://outlook.office365.com/.default' })).access_token
        $c = Connect-AirService -AccessToken (ConvertTo-SecureString $graphToken -AsPlainText -Force) -ExchangeAccessToken (ConvertTo-SecureString $exoToken -AsPlainText -Force) -TenantId 'contoso.com' -GraphEndpoint $endpoints.GraphEndpoint -ExchangeEndpoint $endpoints.ExchangeEndpoint -ActionStorePath $endpoints.ActionStorePath
        $c.SignInMethod | Should -Be 'AccessToken'
        $c.Identity | Should -Be $app.displayName
        $c.TenantId | Should -Be $tenant
        $c.VerifiedBy | Should -Be 'Graph'
        $c.ExchangeConnected | Should -BeTrue
    }

    It 'signs in with a managed identity through IDENTITY_ENDPOINT and IDENTITY_HEADER (system- and user-assigned)' {
        $r = Invoke-ChildPwsh -Environment @{ IDENTITY_ENDPOINT = $sim.managedIdentityEndpoint; IDENTITY_HEADER = $scenario.managedIdentity.identityHeader } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$c = Connect-AirService -ManagedIdentity -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)' -ActionStorePath '$($endpoints.ActionStorePath)'
"system=`$(`$c.Identity)|`$(`$c.SignInMethod)|`$(`$c.ExchangeConnected)|`$(`$c.TenantId)"
`$u = Connect-AirService -ManagedIdentity -ClientId '$($scenario.managedIdentity.userAssignedClientIds[0])' -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)' -ActionStorePath '$($endpoints.ActionStorePath)'
"user=`$(`$u.Identity)|`$(`$u.ClientId)"
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $system = $scenario.apps | Where-Object clientId -eq $scenario.managedIdentity.systemAssignedClientId
        $user = $scenario.apps | Where-Object clientId -eq $scenario.managedIdentity.userAssignedClientIds[0]
        $r.Output | Should -Contain "system=$($system.displayName)|ManagedIdentity|True|$tenant"
        $r.Output | Should -Contain "user=$($user.displayName)|$($user.clientId)"
    }
}

Describe 'Connect-AirService errors' {
    It 'names a wrong secret' {
        $bad = ConvertTo-SecureString 'definitely-not-the-secret' -AsPlainText -Force
        $err = { Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $bad @endpoints -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirAuthenticationFailed,*'
        $err.Exception.Message | Should -Match 'client secret is not valid'
        $err.Exception.Message | Should -Match 'AADSTS7000215'
        $err.Exception.InnerException | Should -BeNullOrEmpty
    }

    It 'names an unknown tenant' {
        $err = { Connect-AirService -TenantId 'no-such-tenant.example' -ClientId $app.clientId -ClientSecret $secret @endpoints -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirAuthenticationFailed,*'
        $err.Exception.Message | Should -Match 'tenant was not found'
    }

    It 'names an unknown client id' {
        $err = { Connect-AirService -TenantId $tenant -ClientId ([guid]::NewGuid()) -ClientSecret $secret @endpoints -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'no application with this client id'
    }

    It 'names an unreachable endpoint' {
        $err = { Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $secret -AuthorityHost 'https://127.0.0.1:9/' -GraphEndpoint $endpoints.GraphEndpoint -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirEndpointUnreachable,*'
        $err.Exception.Message | Should -Match '127\.0\.0\.1:9'
    }

    It 'names a wrong PFX password without echoing it' {
        $err = { Connect-AirService -TenantId $tenant -ClientId $app.clientId -CertificatePath $pfx -CertificatePassword (ConvertTo-SecureString 'wrong-pfx-pass' -AsPlainText -Force) @endpoints -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match 'password is wrong'
        $err.Exception.Message | Should -Not -Match 'wrong-pfx-pass'
    }

    It 'refuses a plain-http Graph endpoint that is not loopback' {
        $err = { Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $secret -AuthorityHost $endpoints.AuthorityHost -GraphEndpoint 'http://graph.example.com/v1.0' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match 'GraphEndpoint'
    }

    It 'keeps the previous connection when a new sign-in fails' {
        $null = Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $secret @endpoints
        { Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString 'x' -AsPlainText -Force) @endpoints -ErrorAction Stop } | Should -Throw
        (Get-AirConnection).Identity | Should -Be $app.displayName
    }

    It 'Disconnect-AirService forgets the connection' {
        $null = Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $secret @endpoints
        Disconnect-AirService
        $err = { Get-AirConnection -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirNotConnected,*'
    }
}

Describe 'Secret hygiene of sign-in' {
    It 'never shows a token or secret in Get-AirConnection, -Verbose/-Debug output or error records' {
        $text = [System.Text.StringBuilder]::new()
        $out = Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret $secret @endpoints -Verbose -Debug *>&1
        $null = $text.AppendLine(($out | Out-String -Width 500))
        $null = $text.AppendLine((Get-AirConnection | Format-List * | Out-String -Width 500))
        $null = $text.AppendLine((Get-AirConnection | ConvertTo-Json -Depth 5))
        try { Connect-AirService -TenantId $tenant -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString 'wrong-secret-value' -AsPlainText -Force) @endpoints -Verbose -Debug -ErrorAction Stop *>&1 | Out-String | ForEach-Object { $null = $text.AppendLine($_) } }
        catch { $null = $text.AppendLine(($_ | Format-List * -Force | Out-String -Width 500)); $null = $text.AppendLine($_.Exception.ToString()) }
        $password = ConvertTo-SecureString $app.certificates[0].pfxPassword -AsPlainText -Force
        $null = $text.AppendLine((Connect-AirService -TenantId $tenant -ClientId $app.clientId -CertificatePath $pfx -CertificatePassword $password @endpoints -Verbose *>&1 | Out-String -Width 500))

        $secrets = (Invoke-SimulatorApi $sim '/_simulator/secrets').all
        $secrets.Count | Should -BeGreaterThan 3 -Because 'the simulator must have issued tokens during these sign-ins'
        $all = $text.ToString()
        $all | Should -Match 'HTTP POST' -Because '-Verbose must show the token calls'
        foreach ($s in $secrets) {
            $all.Contains($s) | Should -BeFalse -Because "a secret or token ($($s.Substring(0, [Math]::Min(6, $s.Length)))…) must not appear"
        }
        $all.Contains('wrong-secret-value') | Should -BeFalse
    }
}
