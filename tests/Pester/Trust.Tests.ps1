# Issue 14 against the built module: forged or foreign tokens never become a connection, a store belongs to one
# tenant, and endpoint overrides cannot send a token or secret anywhere but loopback or Microsoft (docs/SECURITY.md).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:sim = Start-AirSimulator
    $script:other = Start-AirSimulator -Scenario (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/minimal.json')
    $script:scenario = Get-AirScenario
    $script:minimal = Get-AirScenario -Path (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/minimal.json')
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:endpoints = Get-SimulatorConnectParameters $sim
    $script:secret = ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force
    $script:store = Join-Path ([IO.Path]::GetTempPath()) ("air-trust-" + [guid]::NewGuid().ToString('n') + '.db')

    function script:ConvertTo-Base64Url([string] $Text) {
        [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    }
    function script:ConvertFrom-Base64Url([string] $Text) {
        $b = $Text.Replace('-', '+').Replace('_', '/')
        $b += '=' * ((4 - $b.Length % 4) % 4)
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b))
    }
    function script:Get-SimToken($Simulator, [string] $ClientId, [string] $Secret, [string] $Scope = 'https://graph.microsoft.com/.default') {
        $form = @{ client_id = $ClientId; client_secret = $Secret; grant_type = 'client_credentials'; scope = $Scope }
        (Invoke-RestMethod -SkipCertificateCheck -Method Post -Uri "$($Simulator.authority)$($Simulator.tenantId)/oauth2/v2.0/token" -Body $form).access_token
    }
    function script:Get-IssuedTokenCount($Simulator) { @((Invoke-SimulatorApi $Simulator '/_simulator/secrets').accessTokens).Count }
    function script:Connect-Automation {
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret $secret @endpoints -ActionStorePath $store
    }
}
AfterAll {
    Disconnect-AirService
    $sim, $other | Stop-AirSimulator
}

Describe 'A forged token never becomes a connection' {
    BeforeAll {
        # A pending action someone could try to approve with a forged session.
        Connect-Automation
        $script:pending = New-AirAction -BlockUrl -Url 'forged-approval-target.example' -Reason 'trust suite' -Confirm:$false
        $pending.State | Should -Be 'Pending'
    }

    It 'refuses an unsigned (alg none) token naming a user who does not exist, with Security Administrator in wids' {
        $now = [DateTimeOffset]::UtcNow
        $claims = [ordered]@{
            aud = 'https://graph.microsoft.com'; iss = "https://sts.windows.net/$($sim.tenantId)/"; tid = $sim.tenantId
            oid = '0badc0de-0000-4000-8000-00000000dead'; upn = 'ghost.admin@contoso.com'; name = 'Ghost Admin'; idtyp = 'user'
            appid = ($scenario.apps | Where-Object publicClient).clientId; scp = 'User.Read Mail.ReadWrite SecurityAlert.ReadWrite.All'
            wids = @('194ae4cb-b126-40b2-bd5b-6091b380977d')   # Security Administrator
            nbf = $now.AddMinutes(-1).ToUnixTimeSeconds(); exp = $now.AddHours(1).ToUnixTimeSeconds()
        }
        $forged = (ConvertTo-Base64Url '{"alg":"none","typ":"JWT"}') + '.' + (ConvertTo-Base64Url ($claims | ConvertTo-Json -Compress)) + '.'
        $unauthorized = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.unauthorized
        Disconnect-AirService

        $err = { Connect-AirService -AccessToken (ConvertTo-SecureString $forged -AsPlainText -Force) @endpoints -ActionStorePath $store -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirAuthenticationFailed,*'
        $err.Exception.Message | Should -Match 'Microsoft Graph did not accept the access token'
        $err.Exception.Message | Should -Match "alg 'none'"
        ($err | Format-List * -Force | Out-String) + $err.Exception.ToString() | Should -Not -Match ([regex]::Escape($forged.Substring(0, 40)))
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.unauthorized | Should -BeGreaterThan $unauthorized -Because 'Graph (the simulator) must have been asked, and have refused'

        # No connection came of it: nothing can be approved, denied or changed with it, and the action is untouched.
        ({ Get-AirConnection -ErrorAction Stop } | Should -Throw -PassThru).FullyQualifiedErrorId | Should -BeLike 'AirNotConnected,*'
        $approve = { Approve-AirAction -Id $pending.Id -Force -ErrorAction Stop } | Should -Throw -PassThru
        $approve.FullyQualifiedErrorId | Should -BeLike 'AirNotConnected,*'
        ({ Deny-AirAction -Id $pending.Id -Reason 'forged session' -ErrorAction Stop } | Should -Throw -PassThru).FullyQualifiedErrorId | Should -BeLike 'AirNotConnected,*'
        { Set-AirApprovalPolicy -AllowSelfApproval $true -Confirm:$false -ErrorAction Stop } | Should -Throw
        Connect-Automation
        (Get-AirAction -Id $pending.Id).State | Should -Be 'Pending'
    }

    It 'refuses a real token whose claims were changed (its signature no longer holds)' {
        Connect-Automation
        $real = Get-SimToken $sim $app.clientId $app.secrets[0]
        $parts = $real.Split('.')
        $claims = ConvertFrom-Base64Url $parts[1] | ConvertFrom-Json
        $claims.app_displayname = 'Microsoft Defender AIR'
        $altered = $parts[0] + '.' + (ConvertTo-Base64Url ($claims | ConvertTo-Json -Compress)) + '.' + $parts[2]

        $err = { Connect-AirService -AccessToken (ConvertTo-SecureString $altered -AsPlainText -Force) @endpoints -ActionStorePath $store -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirAuthenticationFailed,*'
        $err.Exception.Message | Should -Match 'Invalid signature'
        (Get-AirConnection).Identity | Should -Be $app.displayName -Because 'the previous connection is kept'

        $ok = Connect-AirService -AccessToken (ConvertTo-SecureString $real -AsPlainText -Force) @endpoints -ActionStorePath $store 3>$null
        $ok.Identity | Should -Be $app.displayName
    }
}

Describe 'A store belongs to one tenant' {
    It 'refuses a valid token of another tenant on a store bound to this one' {
        Connect-Automation   # binds $store to the default scenario's tenant (if not already)
        $foreign = Get-SimToken $other $minimal.apps[0].clientId $minimal.apps[0].secrets[0]
        $foreignEndpoints = Get-SimulatorConnectParameters $other

        $err = { Connect-AirService -AccessToken (ConvertTo-SecureString $foreign -AsPlainText -Force) -GraphEndpoint $foreignEndpoints.GraphEndpoint -ExchangeEndpoint $foreignEndpoints.ExchangeEndpoint -ActionStorePath $store -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirAccessDenied,*'
        $err.Exception.Message | Should -Match "belongs to tenant $($sim.tenantId)"
        $err.Exception.Message | Should -Match $other.tenantId
        (Get-AirConnection).TenantId | Should -Be $sim.tenantId

        # The same token connects to a store of its own: the refusal is the binding's, not the token's.
        $own = Join-Path ([IO.Path]::GetTempPath()) ("air-trust-other-" + [guid]::NewGuid().ToString('n') + '.db')
        $c = Connect-AirService -AccessToken (ConvertTo-SecureString $foreign -AsPlainText -Force) -GraphEndpoint $foreignEndpoints.GraphEndpoint -ExchangeEndpoint $foreignEndpoints.ExchangeEndpoint -ActionStorePath $own 3>$null
        $c.TenantId | Should -Be $other.tenantId
        Connect-Automation
    }
}

Describe 'Endpoint overrides reach only loopback or Microsoft' {
    It 'refuses -GraphEndpoint https://graph.example.org before any token is requested' {
        $issued = Get-IssuedTokenCount $sim
        $requests = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.requests

        $err = { Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret $secret -AuthorityHost $endpoints.AuthorityHost -GraphEndpoint 'https://graph.example.org' -ExchangeEndpoint $endpoints.ExchangeEndpoint -ActionStorePath $store -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match '-GraphEndpoint'
        $err.Exception.Message | Should -Match 'graph\.microsoft\.com'
        $err.Exception.Message | Should -Match 'loopback'
        Get-IssuedTokenCount $sim | Should -Be $issued -Because 'the client secret must not have been sent for a token'
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.requests | Should -Be $requests

        # The same sign-in with the simulator's endpoints does request a token: the count above could have moved.
        Connect-Automation
        Get-IssuedTokenCount $sim | Should -BeGreaterThan $issued
    }

    It 'refuses -AuthorityHost outside loopback and Microsoft, so the client secret is never posted there' {
        $issued = Get-IssuedTokenCount $sim
        $err = { Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret $secret -AuthorityHost 'https://login.example.org/' -GraphEndpoint $endpoints.GraphEndpoint -ActionStorePath $store -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match '-AuthorityHost'
        $err.Exception.Message | Should -Match 'login\.microsoftonline\.com'
        Get-IssuedTokenCount $sim | Should -Be $issued
    }
}

Describe 'Attacker-written text never stops a remediation' {
    BeforeAll {
        # A tenant where the phish's subject looks like a credential: three mailboxes got the cluster, one copy with that
        # subject, and Defender's alert carries it as evidence too.
        $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -Depth 50
        $script:bearerSubject = 'Your access: Bearer ABCDEFGHIJKLMNOPQRSTUVWXYZ0123'
        $script:bearerSender = 'it-desk@bearer-phish.example'
        $n = 0
        foreach ($m in $doc.mailboxes | Select-Object -First 3) {
            $n++
            $m.messages += [pscustomobject]@{
                internetMessageId = "<bearer-$n@bearer-phish.example>"; networkMessageId = [guid]::NewGuid().ToString()
                subject = if ($n -eq 2) { $bearerSubject } else { "Access review $n" }; from = $bearerSender; fromName = 'IT Desk'
                receivedDateTime = '2026-11-27T09:00:00Z'; hasAttachments = $false; urls = @()
            }
        }
        $evidence = $doc.alerts[0].evidence[0] | ConvertTo-Json -Depth 20 | ConvertFrom-Json -Depth 20
        $evidence.subject = $bearerSubject
        $evidence.internetMessageId = '<bearer-2@bearer-phish.example>'
        $evidence.recipientEmailAddress = $doc.mailboxes[1].user
        $evidence.networkMessageId = $doc.mailboxes[1].messages[-1].networkMessageId
        $evidence.p1Sender.emailAddress = $bearerSender
        $evidence.p2Sender.emailAddress = $bearerSender
        $doc.alerts[0].evidence += $evidence
        $script:alertId = $doc.alerts[0].id
        $script:bearerScenario = Join-Path ([IO.Path]::GetTempPath()) ("air-bearer-" + [guid]::NewGuid().ToString('n') + '.json')
        $doc | ConvertTo-Json -Depth 50 | Set-Content $bearerScenario
        $script:bsim = Start-AirSimulator -Scenario $bearerScenario
        $script:bstore = Join-Path ([IO.Path]::GetTempPath()) ("air-bearer-" + [guid]::NewGuid().ToString('n') + '.db')
        $bendpoints = Get-SimulatorConnectParameters $bsim
        $null = Connect-AirService -TenantId $bsim.tenantId -ClientId $app.clientId -ClientSecret $secret @bendpoints -ActionStorePath $bstore
    }
    AfterAll {
        Disconnect-AirService
        $bsim | Stop-AirSimulator
        Remove-Item $bearerScenario -ErrorAction SilentlyContinue
    }

    It 'soft deletes a cluster containing a message whose subject is "Bearer" and 20 token-like characters, and all the others' {
        $summary = Invoke-AirSoftDelete -AllMailboxes -Sender $bearerSender -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 3
        $summary.Failed | Should -Be 0
        $moved = (Invoke-SimulatorApi $bsim '/_simulator/state').mailboxes.messages | Where-Object internetMessageId -like '<bearer-*'
        @($moved).Count | Should -Be 3
        $moved | ForEach-Object { $_.folder | Should -Be 'recoverableitemsdeletions' }
        @((Get-AirAction -Id $summary.ActionId).Items | Where-Object { $_.Key -notlike '*|mailbox' -and $_.Outcome -eq 'Succeeded' }).Count | Should -Be 3
    }

    It 'queues the proposals of an alert whose evidence carries that subject, that one included' {
        $pending = @(Get-AirPendingAction)
        $fromAlert = @($pending | Where-Object InvestigationId -eq $alertId)
        $fromAlert.Count | Should -BeGreaterThan 1
        @($fromAlert | Where-Object Parameters -like '*bearer-2@bearer-phish.example*').Count | Should -Be 1
    }
}
