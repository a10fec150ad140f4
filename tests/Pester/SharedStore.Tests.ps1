# One queue for the whole team: the action store on Azure Table Storage (Azurite, started by build.ps1), shared by
# separate pwsh processes, each with its own store client. Racing approvers execute each action once; a runbook's
# proposal (managed identity) is approved by an admin session, and both read the same trail.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    if (-not $env:AIR_TEST_TABLES_CONNECTION) {
        throw 'SharedStore.Tests.ps1 needs Azurite: AIR_TEST_TABLES_CONNECTION is not set. Run the tests with "dotnet pwsh ./build.ps1 -Task Test", which starts Azurite and sets it.'
    }
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:public = $scenario.apps | Where-Object publicClient
    $script:mi = $scenario.apps | Where-Object clientId -eq $scenario.managedIdentity.systemAssignedClientId

    # 21 extra messages in Adele's mailbox: 20 for the race, 1 for the runbook's proposal.
    $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
    $adele = $doc.mailboxes | Where-Object user -eq 'adele@contoso.com'
    $adele.messages = @($adele.messages) + @(1..21 | ForEach-Object {
            @{ internetMessageId = "<shared-$_@fabrikam-payments.example>"; networkMessageId = [guid]::NewGuid().ToString(); subject = "Invoice $_ overdue"
               from = 'billing@fabrikam-payments.example'; receivedDateTime = '2026-11-26T09:00:00Z' }
        })
    $script:sharedScenario = Join-Path ([IO.Path]::GetTempPath()) "air-shared-$([guid]::NewGuid().ToString('n')).json"
    $doc | ConvertTo-Json -Depth 30 | Set-Content $sharedScenario

    $script:sim = Start-AirSimulator -Scenario $sharedScenario -ExtraArguments @('--device-code-delay-ms', '200')
    $script:endpoints = Get-SimulatorConnectParameters $sim
    $script:prefix = 'shared' + [guid]::NewGuid().ToString('n').Substring(0, 12)
    $script:queue = @{
        ActionStoreConnectionString = (ConvertTo-SecureString $env:AIR_TEST_TABLES_CONNECTION -AsPlainText -Force)
        ActionStoreTablePrefix      = $prefix
    }
    # Child processes read the connection string from the environment they inherit; it is never written into a script file.
    $script:childConnect = "-ActionStoreConnectionString (ConvertTo-SecureString `$env:AIR_TEST_TABLES_CONNECTION -AsPlainText -Force) -ActionStoreTablePrefix '$prefix'"

    function script:Connect-App {
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints @queue
    }
    function script:Connect-User([string] $Upn) {
        $null = Invoke-SimulatorApi $sim '/_simulator/device-code-user' -Method Post -Body @{ user = $Upn }
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints @queue 3>$null
        (Get-AirConnection).Identity | Should -Be $Upn
    }
    function script:Get-TimesMoved([string] $InternetMessageId) {
        $box = (Invoke-SimulatorApi $sim '/_simulator/state?mailbox=adele@contoso.com').mailboxes | Where-Object user -eq 'adele@contoso.com'
        ($box.messages | Where-Object internetMessageId -eq $InternetMessageId).timesMoved
    }
    function script:Invoke-AsRunbook([string] $Body) {
        Invoke-ChildPwsh -Environment @{ IDENTITY_ENDPOINT = $sim.managedIdentityEndpoint; IDENTITY_HEADER = $scenario.managedIdentity.identityHeader } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -ManagedIdentity -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)' $childConnect
$Body
"@
    }

    # The approval policy lives in the shared store: an approver (a Security Administrator) names the app once.
    Connect-User 'alex@contoso.com'
    $null = Set-AirApprovalPolicy -AppApprover $app.clientId -Confirm:$false
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
    Remove-Item $sharedScenario -ErrorAction SilentlyContinue
}

Describe 'The shared queue on Azure Table Storage' -Tag 'Tables' {
    It 'Get-AirConnection names the table endpoint and never the account key' {
        Connect-App
        $c = Get-AirConnection
        $c.ActionStore | Should -Match '^http://127\.0\.0\.1:\d+/devstoreaccount1 \(table prefix shared[0-9a-f]{12}\)$'
        $c.ActionStore | Should -Not -Match 'AccountKey|Eby8'
        ($c | ConvertTo-Json -Depth 5) | Should -Not -Match 'AccountKey|Eby8'
    }

    It 'refuses two stores at once, with a clear error' {
        $err = { Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints @queue -ActionStorePath (Join-Path ([IO.Path]::GetTempPath()) 'x.db') -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match 'Choose one action store'
    }

    It '-ActionStoreTableEndpoint signs in to storage with the session''s own credential; where that fails, the error names the endpoint' {
        # Where storage cannot be reached the first store use ends in a clear StoreUnavailable (or InvalidInput for http).
        # Token access that works is Worker.Tests.ps1 (every analyst and worker on Azurite in OAuth mode).
        $endpoint = 'https://127.0.0.1:9/devstoreaccount1'
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints -ActionStoreTableEndpoint $endpoint
        (Get-AirConnection).ActionStore | Should -Be "$endpoint (table prefix air)"
        $err = { Get-AirAction -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirStoreUnavailable,*'
        $err.Exception.Message | Should -Match ([regex]::Escape($endpoint))

        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints -ActionStoreTableEndpoint 'http://127.0.0.1:9/devstoreaccount1'
        $err = { Get-AirAction -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match 'must be https'
    }

    It 'a runbook (managed identity) proposes, an admin (client secret) approves, and both see the same trail' {
        $proposed = Invoke-AsRunbook @'
$a = New-AirAction -SoftDeleteEmail -Mailbox 'adele@contoso.com' -InternetMessageId '<shared-21@fabrikam-payments.example>' -Reason 'runbook: phish reported by 3 users' -Confirm:$false
"ID=$($a.Id)"
"BY=$($a.ProposedBy)"
"STATE=$($a.State)"
'@
        $proposed.ExitCode | Should -Be 0 -Because ($proposed.Output -join "`n")
        $id = ($proposed.Output | Where-Object { $_ -like 'ID=*' }).Substring(3)
        $proposed.Output | Should -Contain "BY=$($mi.displayName)"
        $proposed.Output | Should -Contain 'STATE=Pending'

        Connect-App
        (Get-AirAction -Id $id).ProposedBy | Should -Be $mi.displayName
        $summary = Approve-AirAction -Id $id -Comment 'confirmed phish' -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.State | Should -Be 'Completed'
        Get-TimesMoved '<shared-21@fabrikam-payments.example>' | Should -Be 1

        $mine = (Get-AirAction -Id $id).Trail | ForEach-Object { "$($_.Event)|$($_.Actor)|$($_.ToState)" }
        $theirs = Invoke-AsRunbook @"
(Get-AirAction -Id '$id').Trail | ForEach-Object { "TRAIL=`$(`$_.Event)|`$(`$_.Actor)|`$(`$_.ToState)" }
"@
        $theirs.ExitCode | Should -Be 0 -Because ($theirs.Output -join "`n")
        $theirTrail = @($theirs.Output | Where-Object { $_ -like 'TRAIL=*' } | ForEach-Object { $_.Substring(6) })
        $theirTrail | Should -Be $mine
        $mine | Should -Contain "Proposed|$($mi.displayName)|Pending"
        $mine | Should -Contain "Approved|$($app.displayName)|Approved"
        $mine[-1] | Should -Be "Completed|$($app.displayName)|Completed"
    }

    It 'two pwsh processes, each with its own store client, race to approve the same 20 actions: each executes exactly once' {
        Connect-User 'megan@contoso.com'
        $ids = 1..20 | ForEach-Object {
            (New-AirAction -SoftDeleteEmail -Mailbox 'adele@contoso.com' -InternetMessageId "<shared-$_@fabrikam-payments.example>" -Reason 'race' -Confirm:$false).Id
        }
        $ids.Count | Should -Be 20
        $start = [DateTime]::UtcNow.AddSeconds(8).ToString('o')
        $racer = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -TenantId '$($sim.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($sim.authority)' -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)' $childConnect
while ([DateTime]::UtcNow -lt [DateTime]::Parse('$start').ToUniversalTime()) { Start-Sleep -Milliseconds 5 }
foreach (`$id in @('$($ids -join "','")')) {
    try { `$s = Approve-AirAction -Id `$id -Force -ErrorAction Stop | Where-Object { `$_ -is [AirRemediation.AirRunSummary] }; "RAN `$id `$(`$s.Succeeded)" }
    catch { "REFUSED `$id `$(`$_.FullyQualifiedErrorId)" }
}
"@
        $file = Join-Path ([IO.Path]::GetTempPath()) "air-shared-race-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content $file $racer
        $exe = [Environment]::ProcessPath
        $argList = if ((Split-Path $exe -Leaf) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-File', $file) } else { @('-NoProfile', '-File', $file) }
        $outs = 1..2 | ForEach-Object { [IO.Path]::GetTempFileName() }
        $errs = 1..2 | ForEach-Object { [IO.Path]::GetTempFileName() }
        try {
            $procs = 0..1 | ForEach-Object { Start-Process -FilePath $exe -ArgumentList $argList -PassThru -RedirectStandardOutput $outs[$_] -RedirectStandardError $errs[$_] }
            $procs | ForEach-Object { $_.WaitForExit(240000) | Should -BeTrue }
            $lines = @($outs | ForEach-Object { Get-Content $_ })
            $because = ($lines + @($errs | ForEach-Object { Get-Content $_ })) -join ' / '
            foreach ($id in $ids) {
                @($lines | Where-Object { $_ -eq "RAN $id 1" }).Count | Should -Be 1 -Because "$id must run exactly once: $because"
                @($lines | Where-Object { $_ -like "REFUSED $id AirInvalidState,*" }).Count | Should -Be 1 -Because "the other racer must lose $id with InvalidState: $because"
            }
            # Both processes won some: the race was real, not one process finishing before the other started.
            @($outs | Where-Object { @(Get-Content $_ | Where-Object { $_ -like 'RAN *' }).Count -gt 0 }).Count | Should -Be 2 -Because $because
        }
        finally {
            Remove-Item -Path (@($file) + $outs + $errs) -ErrorAction SilentlyContinue
        }
        1..20 | ForEach-Object { Get-TimesMoved "<shared-$_@fabrikam-payments.example>" | Should -Be 1 -Because "message shared-$_ must be moved exactly once" }
        $ids | ForEach-Object { (Get-AirAction -Id $_).State | Should -Be 'Completed' }
    }

    It 'the audit chain written by every process verifies' {
        $v = Test-AirAuditTrail
        $v.IsValid | Should -BeTrue
        $v.Entries | Should -BeGreaterThan 60
    }
}
