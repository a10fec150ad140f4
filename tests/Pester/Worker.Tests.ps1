# Issue 15: analysts approve with their security role alone and an app identity executes. A delegated Security
# Administrator without FullAccess approves a cluster soft delete across 50 mailboxes; the worker, signed in with the
# tenant's managed identity in its own pwsh, verifies the approval with Graph and runs it. The refusals (approver gone,
# role removed, proposer, content changed) are xunit tests in tests/AirRemediation.Engine.Tests/Approvals/WorkerTests.cs.
# Every analyst and worker here reaches the shared queue on Azure Table with its own token (Azurite in OAuth mode).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:public = $scenario.apps | Where-Object publicClient
    $script:executor = $scenario.managedIdentity.systemAssignedClientId
    $script:clusterSender = 'billing@contoso-invoices.example'

    $script:sim = Start-AirSimulator -ExtraArguments @('--generate', '50,2,50', '--seed', '41', '--device-code-delay-ms', '200')
    # The shared store as the team setup has it: Azure Table reached with each identity's own Entra token (Azurite in OAuth
    # mode on https, started by build.ps1) — no key, no SAS. Each Describe has its own queue (table prefix).
    $script:oauthStore = $env:AIR_TEST_TABLES_OAUTH_ENDPOINT
    if (-not $oauthStore) {
        throw 'Worker.Tests.ps1 needs Azurite in OAuth mode: AIR_TEST_TABLES_OAUTH_ENDPOINT is not set. Run the tests with "dotnet pwsh ./build.ps1 -Task Test", which starts it and sets it.'
    }
    $script:store = 'worker' + [guid]::NewGuid().ToString('n').Substring(0, 12)
    $script:endpoints = Get-SimulatorConnectParameters $sim

    function script:Connect-App {
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints -ActionStoreTableEndpoint $oauthStore -ActionStoreTablePrefix $store
    }
    function script:Connect-User([string] $Upn) {
        $null = Invoke-SimulatorApi $sim '/_simulator/device-code-user' -Method Post -Body @{ user = $Upn }
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints -ActionStoreTableEndpoint $oauthStore -ActionStoreTablePrefix $store 3>$null
        (Get-AirConnection).Identity | Should -Be $Upn
        (Get-AirConnection).ActionStore | Should -Be "$oauthStore (table prefix $store)"
    }
    function script:Get-MailboxRequests {
        $total = 0
        foreach ($p in (Invoke-SimulatorApi $sim '/_simulator/stats').mailboxes.PSObject.Properties) { $total += $p.Value.requests }
        $total
    }
    function script:Get-ClusterCopies {
        $state = Invoke-SimulatorApi $sim '/_simulator/state'
        foreach ($mb in $state.mailboxes) { foreach ($m in $mb.messages) { if ($m.from -eq $clusterSender) { [pscustomobject]@{ Mailbox = $mb.user; TimesMoved = $m.timesMoved; Folder = $m.folder } } } }
    }
    function script:Invoke-Worker([string] $Arguments = '') {
        # The worker's own process, signed in with the managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER, as App Service
        # and Automation provide them).
        Invoke-ChildPwsh -Environment @{ IDENTITY_ENDPOINT = $sim.managedIdentityEndpoint; IDENTITY_HEADER = $scenario.managedIdentity.identityHeader } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -ManagedIdentity -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)' -ActionStoreTableEndpoint '$oauthStore' -ActionStoreTablePrefix '$store'
Invoke-AirApprovedAction $Arguments -Confirm:`$false | ForEach-Object { "result=`$(`$_.ActionId)|`$(`$_.Outcome)|`$(`$_.State)|`$(`$_.Summary.Succeeded)" }
"@
    }
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
}

Describe 'A delegated analyst approves, the worker app executes' {
    It 'the analyst cannot reach the mailboxes herself: delegated access stops at mailboxes without FullAccess' {
        Connect-User 'megan@contoso.com'
        $e = { Invoke-AirSoftDelete -Mailbox 'gen00007@contoso.com' -Sender $clusterSender -Force -ErrorAction Stop } | Should -Throw -PassThru
        $e.Exception.Message | Should -Match 'FullAccess|denied|403'
        @(Get-ClusterCopies | Where-Object TimesMoved -ne 0).Count | Should -Be 0
    }

    It 'a Security Administrator names the managed identity as executor; the app proposes the 50-mailbox cluster' {
        Connect-User 'megan@contoso.com'
        $policy = Set-AirApprovalPolicy -ExecutorAppId $executor -Confirm:$false 3>$null
        $policy.ExecutorAppId | Should -Be $executor
        Connect-App
        $a = New-AirAction -SoftDeleteCluster -AllMailboxes -Sender $clusterSender -Reason 'phishing campaign' -Confirm:$false
        $a.State | Should -Be 'Pending'
        $script:actionId = $a.Id
    }

    It 'Megan approves: the decision is recorded, the action returned Approved, and her session makes no mailbox call' {
        Connect-User 'megan@contoso.com'
        $before = Get-MailboxRequests
        $r = Approve-AirAction -Id $actionId -Comment 'confirmed phishing' -Force
        $r.State | Should -Be 'Approved'
        $r.Total | Should -Be 0
        (Get-MailboxRequests) | Should -Be $before
        (Get-AirAction -Id $actionId).State | Should -Be 'Approved'
        @(Get-ClusterCopies | Where-Object TimesMoved -ne 0).Count | Should -Be 0
    }

    It 'the worker, signed in with the managed identity, runs it: every one of the 50 copies moved exactly once' {
        $w = Invoke-Worker
        $w.ExitCode | Should -Be 0 -Because ($w.Output -join "`n")
        $w.Output | Should -Contain "result=$actionId|Ran|Completed|50"
        $w.Output | Should -Contain 'Worker summary: 1 ran, 0 refused, 0 skipped (held by another worker), 0 failed.'
        $copies = @(Get-ClusterCopies)
        $copies.Count | Should -Be 50
        @($copies | Where-Object TimesMoved -ne 1).Count | Should -Be 0
        @($copies | Where-Object Folder -ne 'recoverableitemsdeletions').Count | Should -Be 0
        (@($copies.Mailbox | Sort-Object -Unique)).Count | Should -Be 50
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be 50
        Connect-User 'megan@contoso.com'
        $done = Get-AirAction -Id $actionId
        $done.State | Should -Be 'Completed'
        $done.ApprovedBy | Should -Be 'megan@contoso.com'
    }

    It 'a second worker pass finds nothing to do and moves nothing' {
        $w = Invoke-Worker
        $w.ExitCode | Should -Be 0 -Because ($w.Output -join "`n")
        @($w.Output | Where-Object { $_ -like 'result=*' }).Count | Should -Be 0
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be 50
    }

    It 'a user session is not the executor: Invoke-AirApprovedAction refuses it' {
        Connect-User 'megan@contoso.com'
        $e = { Invoke-AirApprovedAction -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $e.Exception.Message | Should -BeLike "Only the executor app $executor runs approved actions*"
    }
}

Describe 'Two continuous workers on one queue, one killed mid-action' {
    BeforeAll {
        # 400 copies of the campaign in 4 mailboxes, 200 ms per call: the cluster takes seconds, long enough for a kill
        # to land in the middle of it; 39 URL blocks besides, for the second worker to drain meanwhile.
        $script:sim2 = Start-AirSimulator -ExtraArguments @('--generate', '4,2,400', '--seed', '43', '--latency-ms', '200', '--device-code-delay-ms', '200')
        $script:store2 = 'workers' + [guid]::NewGuid().ToString('n').Substring(0, 12)
        $script:endpoints2 = Get-SimulatorConnectParameters $sim2
        $script:urls = 1..39 | ForEach-Object { "campaign-$_.example/login" }

        function script:Start-Worker {
            $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -TenantId '$($sim2.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($sim2.authority)' -GraphEndpoint '$($sim2.graph)' -ExchangeEndpoint '$($sim2.exchange)' -ActionStoreTableEndpoint '$oauthStore' -ActionStoreTablePrefix '$store2'
Invoke-AirApprovedAction -Continuous -PollInterval '00:00:01' -Confirm:`$false | ForEach-Object { "result=`$(`$_.ActionId)|`$(`$_.Outcome)|`$(`$_.State)" }
"@
            Start-ChildPwsh -Script $script -Name 'worker'
        }
        function script:Get-Moves { (Invoke-SimulatorApi $sim2 '/_simulator/stats').totals.moves }
        function script:Wait-Until([scriptblock] $Condition, [string] $What, [int] $Seconds = 120) {
            # Waits for an event of the processes under test (polling the simulator), never asserts on elapsed time.
            $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
            while (-not (& $Condition)) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "Gave up waiting for: $What" }
                Start-Sleep -Milliseconds 100
            }
        }
    }
    AfterAll {
        foreach ($p in @($script:workerA, $script:workerB)) { if ($p -and -not $p.HasExited) { $p.Kill($true) } }
        $sim2 | Stop-AirSimulator
    }

    It 'runs each of 40 approved actions exactly once; the killed worker''s cluster is finished by the other, nothing moved twice; SIGTERM stops cleanly' -Skip:$IsWindows {
        $null = Invoke-SimulatorApi $sim2 '/_simulator/device-code-user' -Method Post -Body @{ user = 'megan@contoso.com' }
        $null = Connect-AirService -TenantId $sim2.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints2 -ActionStoreTableEndpoint $oauthStore -ActionStoreTablePrefix $store2 3>$null
        $null = Set-AirApprovalPolicy -ExecutorAppId $app.clientId -Confirm:$false 3>$null
        $null = Connect-AirService -TenantId $sim2.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints2 -ActionStoreTableEndpoint $oauthStore -ActionStoreTablePrefix $store2
        $cluster = New-AirAction -SoftDeleteCluster -AllMailboxes -Sender $clusterSender -Reason 'campaign' -Confirm:$false
        $blocks = foreach ($u in $urls) { New-AirAction -BlockUrl -Url $u -Reason 'campaign' -Confirm:$false }
        $null = Connect-AirService -TenantId $sim2.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints2 -ActionStoreTableEndpoint $oauthStore -ActionStoreTablePrefix $store2 3>$null
        (Approve-AirAction -Id $cluster.Id -Force).State | Should -Be 'Approved'     # approved first: the first worker takes it
        $approved = @($blocks | Approve-AirAction -Force)
        $approved.Count | Should -Be 39
        @($approved | Where-Object State -ne 'Approved').Count | Should -Be 0

        $script:workerA = Start-Worker
        Wait-Until { (Get-Moves) -ge 40 } 'worker A to be moving the cluster'
        $script:workerB = Start-Worker
        Wait-Until { @((Invoke-SimulatorApi $sim2 '/_simulator/state?messages=false').tablEntries).Count -ge 1 } 'worker B to run a URL block'
        $movesAtKill = Get-Moves
        $workerA.HasExited | Should -BeFalse
        $workerA.Kill($true)     # SIGKILL: nothing but what the journal already committed survives
        $workerA.WaitForExit()
        $movesAtKill | Should -BeLessThan 400 -Because 'the kill must land while the cluster is still running'

        Wait-Until { (Get-AirAction -Id $cluster.Id).State -eq 'Completed' } 'worker B to finish the cluster'
        Wait-Until { @(Get-AirAction | Where-Object { $_.Kind -eq 'BlockUrl' -and $_.State -eq 'Completed' }).Count -eq 39 } 'all URL blocks'

        & /bin/kill -TERM $workerB.Id
        Wait-Until { $workerB.HasExited } 'worker B to stop on SIGTERM' 60
        $workerB.ExitCode | Should -Be 0
        $outB = Get-Content $workerB.OutputFile
        $outB | Should -Contain "result=$($cluster.Id)|Ran|Completed"
        ($outB | Where-Object { $_ -like 'Worker summary:*' }) | Should -Not -BeNullOrEmpty

        $state = Invoke-SimulatorApi $sim2 '/_simulator/state'
        foreach ($u in $urls) { @($state.tablEntries | Where-Object value -eq $u).Count | Should -Be 1 -Because "$u is blocked once" }
        $copies = foreach ($mb in $state.mailboxes) { foreach ($m in $mb.messages) { if ($m.from -eq $clusterSender) { $m } } }
        @($copies).Count | Should -Be 400
        @($copies | Where-Object timesMoved -ne 1).Count | Should -Be 0
        @($copies | Where-Object folder -ne 'recoverableitemsdeletions').Count | Should -Be 0
        (Get-Moves) | Should -Be 400
        (Get-AirAction -Id $cluster.Id).Trail.Event | Should -Contain 'LeaseReclaimed'
        Write-Host "    killed worker A at $movesAtKill of 400 moves"
    }
}

Describe 'The worker refuses approvals that no longer hold' {
    BeforeAll {
        # A queue of its own on the first tenant; the directory changes after the approvals, as in real life.
        $script:store = 'refusals' + [guid]::NewGuid().ToString('n').Substring(0, 12)
        Connect-User 'megan@contoso.com'
        $null = Set-AirApprovalPolicy -ExecutorAppId $executor -Confirm:$false 3>$null
        function script:Approve-Block([string] $Url, [string] $Approver) {
            Connect-App
            $a = New-AirAction -BlockUrl -Url $Url -Reason 'campaign' -Confirm:$false
            Connect-User $Approver
            (Approve-AirAction -Id $a.Id -Force).State | Should -Be 'Approved'
            $a.Id
        }
        function script:Get-Blocked([string] $Url) { @((Invoke-SimulatorApi $sim '/_simulator/state?messages=false').tablEntries | Where-Object value -eq $Url).Count }
    }
    AfterAll {
        $null = Invoke-SimulatorApi $sim '/_simulator/directory-user' -Method Post -Body @{ user = 'alex@contoso.com'; directoryRoles = @('Security Administrator') }
    }

    It 'an approver whose role was removed after approving: refused, audited, left Approved, nothing blocked' {
        $id = Approve-Block 'role-removed.example/x' 'alex@contoso.com'
        $null = Invoke-SimulatorApi $sim '/_simulator/directory-user' -Method Post -Body @{ user = 'alex@contoso.com'; directoryRoles = @() }
        $w = Invoke-Worker
        $w.Output | Should -Contain "result=$id|Refused|Approved|"
        ($w.Output | Where-Object { $_ -like 'Worker summary:*' }) | Should -Be 'Worker summary: 0 ran, 1 refused, 0 skipped (held by another worker), 0 failed.'
        Get-Blocked 'role-removed.example/x' | Should -Be 0
        Connect-User 'megan@contoso.com'
        $a = Get-AirAction -Id $id
        $a.State | Should -Be 'Approved'
        ($a.Trail | Where-Object Event -eq 'WorkerRefused').Reason | Should -BeLike '*no longer holds Security Administrator, Security Operator or Global Administrator*'
    }

    It 'an approver deleted from the tenant after approving: refused, and the role-removed one still is' {
        $id = Approve-Block 'deleted-approver.example/x' 'megan@contoso.com'
        $null = Invoke-SimulatorApi $sim '/_simulator/directory-user' -Method Post -Body @{ user = 'megan@contoso.com'; delete = $true }
        $w = Invoke-Worker
        $w.Output | Should -Contain "result=$id|Refused|Approved|"
        @($w.Output | Where-Object { $_ -like 'result=*|Refused|*' }).Count | Should -Be 2
        Get-Blocked 'deleted-approver.example/x' | Should -Be 0
        Connect-App
        ((Get-AirAction -Id $id).Trail | Where-Object Event -eq 'WorkerRefused').Reason | Should -BeLike '*does not exist in this tenant*'
    }
}

Describe 'The worker closes the loop in Defender' {
    BeforeAll {
        # Three Defender alerts with a URL proposal each: one to resolve when its action completes, one to leave alone,
        # one whose proposal is denied as a false positive. Its own tenant and its own token-reached queue.
        $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
        $script:resolved = $doc.alerts[0]
        $script:leftOpen = $resolved.Clone()
        $leftOpen.id = 'alert-left-open'
        $leftOpen.evidence = @(@{ '@odata.type' = 'urlEvidence'; verdict = 'malicious'; remediationStatus = 'pendingApproval'; url = 'http://second-wave.contoso-sso.example/login' })
        $script:falseAlarm = $resolved.Clone()
        $falseAlarm.id = 'alert-false-alarm'
        $falseAlarm.evidence = @(@{ '@odata.type' = 'urlEvidence'; verdict = 'suspicious'; remediationStatus = 'pendingApproval'; url = 'https://intranet-sso-test.example/start' })
        $doc.alerts = @($resolved, $leftOpen, $falseAlarm) + @($doc.alerts | Select-Object -Skip 1)
        $file = Join-Path ([IO.Path]::GetTempPath()) "air-worker-alerts-$([guid]::NewGuid().ToString('n')).json"
        $doc | ConvertTo-Json -Depth 30 | Set-Content $file
        $script:sim3 = Start-AirSimulator -Scenario $file -ExtraArguments @('--device-code-delay-ms', '200')
        $script:endpoints3 = Get-SimulatorConnectParameters $sim3
        $script:store3 = 'alerts' + [guid]::NewGuid().ToString('n').Substring(0, 12)
        function script:Connect-User3([string] $Upn) {
            $null = Invoke-SimulatorApi $sim3 '/_simulator/device-code-user' -Method Post -Body @{ user = $Upn }
            $null = Connect-AirService -TenantId $sim3.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints3 -ActionStoreTableEndpoint $oauthStore -ActionStoreTablePrefix $store3 3>$null
        }
        Connect-User3 'megan@contoso.com'
        $null = Set-AirApprovalPolicy -ExecutorAppId $executor -Confirm:$false 3>$null
        # Alex brings Defender's proposals into the queue (the identity that queues a proposal counts as its proposer);
        # Megan decides. The mail-cluster evidence needs analyzedEmails, which these delegated grants lack: not queued.
        Connect-User3 'alex@contoso.com'
        $null = Get-AirPendingAction -WarningAction SilentlyContinue
        Connect-User3 'megan@contoso.com'
        function script:Get-Alert([string] $Id) { (Invoke-SimulatorApi $sim3 '/_simulator/state?messages=false').alerts | Where-Object id -eq $Id }
        function script:Get-UrlProposal([string] $AlertId) { Get-AirPendingAction -NoSync | Where-Object { $_.Kind -eq 'BlockUrl' -and $_.InvestigationId -eq $AlertId } }
    }
    AfterAll {
        $sim3 | Stop-AirSimulator
    }

    It 'resolves the alert of a completed proposal with the chosen classification, leaves an unasked one untouched, and marks a denied one a false positive' {
        (Get-Alert $leftOpen.id).status | Should -Be 'new'
        $a = Get-UrlProposal $resolved.id
        $b = Get-UrlProposal $leftOpen.id
        $c = Get-UrlProposal $falseAlarm.id
        @($a).Count | Should -Be 1
        @($b).Count | Should -Be 1
        @($c).Count | Should -Be 1
        (Approve-AirAction -Id $a.Id -ResolveAlert -AlertClassification truePositive -AlertDetermination phishing -Force).State | Should -Be 'Approved'
        (Approve-AirAction -Id $b.Id -Force).State | Should -Be 'Approved'
        (Deny-AirAction -Id $c.Id -Reason 'our own SSO test page' -MarkFalsePositive).State | Should -Be 'Denied'
        (Get-Alert $falseAlarm.id).classification | Should -Be 'falsePositive'
        (Get-Alert $resolved.id).status | Should -Not -Be 'resolved' -Because 'the alert is resolved only once its action has run'

        $w = Invoke-ChildPwsh -Environment @{ IDENTITY_ENDPOINT = $sim3.managedIdentityEndpoint; IDENTITY_HEADER = $scenario.managedIdentity.identityHeader } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -ManagedIdentity -GraphEndpoint '$($sim3.graph)' -ExchangeEndpoint '$($sim3.exchange)' -ActionStoreTableEndpoint '$oauthStore' -ActionStoreTablePrefix '$store3'
Invoke-AirApprovedAction -Confirm:`$false | ForEach-Object { "result=`$(`$_.ActionId)|`$(`$_.Outcome)|`$(`$_.State)" }
"@
        $w.ExitCode | Should -Be 0 -Because ($w.Output -join "`n")
        $w.Output | Should -Contain "result=$($a.Id)|Ran|Completed"
        $w.Output | Should -Contain "result=$($b.Id)|Ran|Completed"

        $done = Get-Alert $resolved.id
        $done.status | Should -Be 'resolved'
        $done.classification | Should -Be 'truePositive'
        $done.determination | Should -Be 'phishing'
        $untouched = Get-Alert $leftOpen.id
        $untouched.status | Should -Be 'new'
        $untouched.classification | Should -BeIn @($null, '', 'unknown')
        ($untouched.comments.comment -join "`n") | Should -Match ([regex]::Escape($b.Id)) -Because 'the outcome is still written on the alert as a comment'
        $state = Invoke-SimulatorApi $sim3 '/_simulator/state?messages=false'
        $state.tablEntries.value | Should -Contain 'second-wave.contoso-sso.example/login'
        $state.tablEntries.value | Should -Not -Contain 'intranet-sso-test.example/start'
    }
}
