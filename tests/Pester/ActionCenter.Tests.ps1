# The action center against the simulator: pending actions synced from Defender evidence, four-eyes approval that
# runs the action, deny, expiry, racing approvers, and a tamper-evident audit trail.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:public = $scenario.apps | Where-Object publicClient

    # Three Defender for Office 365 alerts pending approval, holding all four remediable evidence kinds. Alert 3
    # repeats alert 1's URL: an identical proposal within the hour, which must collapse into the first.
    $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
    $first = $doc.alerts[0]
    $second = $first.Clone()
    $second.id = 'alert-two'
    $second.title = 'A user clicked through to a phishing site'
    $second.evidence = @(
        @{ '@odata.type' = 'analyzedMessageEvidence'; verdict = 'malicious'; remediationStatus = 'pendingApproval'; networkMessageId = '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f'
           internetMessageId = '<lunch-7@contoso.com>'; recipientEmailAddress = 'lynne@contoso.com'; subject = 'Lunch on Friday?' }
        @{ '@odata.type' = 'urlEvidence'; verdict = 'malicious'; remediationStatus = 'pendingApproval'; url = 'http://login.contoso-sso.example/owa' }
        @{ '@odata.type' = 'mailboxEvidence'; verdict = 'suspicious'; remediationStatus = 'none'; primaryAddress = 'lynne@contoso.com'; upn = 'lynne@contoso.com' }
    )
    $third = $first.Clone()
    $third.id = 'alert-three'
    $third.title = 'Suspicious email forwarding activity'
    $third.evidence = @(
        @{ '@odata.type' = 'mailboxConfigurationEvidence'; verdict = 'suspicious'; remediationStatus = 'pendingApproval'; configurationId = 'fwd-lynne-1'
           configurationType = 'mailForwardingRule'; displayName = 'Redirect all'; mailboxPrimaryAddress = 'lynne@contoso.com'; upn = 'lynne@contoso.com' }
        @{ '@odata.type' = 'urlEvidence'; verdict = 'malicious'; remediationStatus = 'pendingApproval'; url = 'https://fabrikam-payments.example/pay' }
        @{ '@odata.type' = 'urlEvidence'; verdict = 'malicious'; remediationStatus = 'remediated'; url = 'http://already-done.example/' }
    )
    $doc.alerts = @($first, $second, $third) + @($doc.alerts | Select-Object -Skip 1)
    # A campaign from a compromised internal account whose subject varies around one phrase, in three of five mailboxes
    # (those the approver holds FullAccess to, since without an executor the approver's session runs it):
    # Graph's sender filter misses internal senders and cannot match part of a subject, message trace finds all three.
    $script:payrollCopies = @{ 'lynne@contoso.com' = 'Action needed: direct deposit update (ref 4471)'; 'megan@contoso.com' = 'Re: direct deposit update'
                               'adele@contoso.com' = 'Your direct deposit update is pending' }
    foreach ($user in $payrollCopies.Keys) {
        $mb = $doc.mailboxes | Where-Object user -eq $user
        $mb.messages = @($mb.messages) + @(@{ internetMessageId = "<payroll-$($user.Split('@')[0])@contoso.com>"; networkMessageId = [guid]::NewGuid().ToString()
            subject = $payrollCopies[$user]; from = 'payroll@contoso.com'; receivedDateTime = [DateTime]::UtcNow.Date.AddDays(-8).AddHours(7).ToString('yyyy-MM-ddTHH:mm:ssZ') })
    }
    # Adele (no directory role) consents to the module's public client too, so she can sign in and be refused.
    $adele = $doc.users | Where-Object userPrincipalName -eq 'adele@contoso.com'
    $adele.delegatedScopes = @{ $public.clientId = @{ graph = @('Mail.ReadWrite', 'SecurityAlert.Read.All'); exchange = @() } }
    $script:acScenario = Join-Path ([IO.Path]::GetTempPath()) 'air-actioncenter-scenario.json'
    $doc | ConvertTo-Json -Depth 30 | Set-Content $acScenario
    Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())

    $script:sim = Start-AirSimulator -Scenario $acScenario -ExtraArguments @('--device-code-delay-ms', '200')
    $script:store = Join-Path ([IO.Path]::GetTempPath()) ("air-ac-" + [guid]::NewGuid().ToString('n') + '.db')
    $script:endpoints = Get-SimulatorConnectParameters $sim

    function script:Connect-App {
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints -ActionStorePath $store
    }
    function script:Connect-User([string] $Upn) {
        # The simulator approves device codes as its deviceCodeUser; switch it per test.
        $null = Invoke-SimulatorApi $sim '/_simulator/device-code-user' -Method Post -Body @{ user = $Upn }
        $null = Connect-AirService -TenantId $sim.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints -ActionStorePath $store 3>$null
        (Get-AirConnection).Identity | Should -Be $Upn
    }
    function script:Get-Messages([string] $Mailbox) {
        ((Invoke-SimulatorApi $sim "/_simulator/state?mailbox=$Mailbox").mailboxes | Where-Object user -eq $Mailbox).messages
    }
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
}

Describe 'Pending actions from Defender evidence' {
    It 'Get-AirInvestigation shows the three alerts with typed evidence, pendingApproval included' {
        Connect-App
        $inv = Get-AirInvestigation -InvestigationState pendingApproval
        $inv.AlertId | Sort-Object | Should -Be (@($first.id, 'alert-three', 'alert-two') | Sort-Object)
        ($inv | Where-Object AlertId -eq $first.id).Evidence.Type | Should -Contain 'mailClusterEvidence'
        ($inv | Where-Object AlertId -eq $first.id).Evidence | Where-Object RemediationStatus -eq 'pendingApproval' | Should -Not -BeNullOrEmpty
    }

    It 'Get-AirPendingAction lists exactly the expected actions' {
        Connect-App
        $pending = Get-AirPendingAction
        $pending | ForEach-Object { $_ | Should -BeOfType ([AirRemediation.AirAction]) }
        $got = $pending | ForEach-Object { "$($_.Kind)|$($_.InvestigationId)" } | Sort-Object
        $expected = @(
            "SoftDeleteEmail|$($first.id)", "SoftDeleteCluster|$($first.id)", "BlockUrl|$($first.id)", "DisableForwarding|$($first.id)",
            'SoftDeleteEmail|alert-two', 'BlockUrl|alert-two',
            'DisableForwarding|alert-three'
        ) | Sort-Object
        $got | Should -Be $expected
        ($pending | Where-Object Kind -eq 'SoftDeleteCluster').Parameters | Should -Match 'lynne@contoso.com'
        $pending | ForEach-Object { $_.ProposedBy | Should -Be 'Microsoft Defender AIR' }
        $pending | ForEach-Object { ($_.ExpiresAt - $_.CreatedAt).TotalDays | Should -BeGreaterThan 6.999 }
        $pending | ForEach-Object { ($_.ExpiresAt - $_.CreatedAt).TotalDays | Should -BeLessOrEqual 7 }
    }

    It 'running it again queues nothing new' {
        $before = @(Get-AirAction).Count
        $again = Get-AirPendingAction -Verbose 4>&1
        ($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'Synced' }).Message | Should -Match '0 new proposal'
        @(Get-AirAction).Count | Should -Be $before
    }
}

Describe 'Approval' {
    It 'refuses the proposer approving its own action, with a clear error, before anything runs' {
        Connect-User 'megan@contoso.com'
        $mine = New-AirAction -SoftDeleteEmail -Mailbox 'adele@contoso.com' -InternetMessageId '<weekly-42@contoso.com>' -Reason 'looks like BEC' -Confirm:$false
        $mine.State | Should -Be 'Pending'
        $mine.ProposedBy | Should -Be 'megan@contoso.com'
        $script:mineId = $mine.Id
        $err = { Approve-AirAction -Id $mine.Id -Force -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirApprovalRefused,*'
        $err.Exception.Message | Should -Match 'four-eyes'
        (Get-AirAction -Id $mine.Id).State | Should -Be 'Pending'
        ((Get-Messages 'adele@contoso.com') | Where-Object internetMessageId -eq '<weekly-42@contoso.com>').timesMoved | Should -Be 0
    }

    It 'a second user approves: the action runs, the simulator shows it, the alert carries the comment, Get-AirAction shows Completed' {
        Connect-User 'alex@contoso.com'
        $r = Approve-AirAction -Id $mineId -Comment 'confirmed with the sender' -Force
        $summary = $r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 1
        ((Get-Messages 'adele@contoso.com') | Where-Object internetMessageId -eq '<weekly-42@contoso.com>').folder | Should -Be 'recoverableitemsdeletions'
        $a = Get-AirAction -Id $mineId
        $a.State | Should -Be 'Completed'
        $a.ApprovedBy | Should -Be 'alex@contoso.com'
        $a.Succeeded | Should -Be 1
        $a.Trail.Event | Should -Contain 'Approved'
        ($a.Trail | Where-Object Event -eq 'Approved').Actor | Should -Be 'alex@contoso.com'
        ($a.Trail | Where-Object Event -eq 'Approved').Reason | Should -Be 'confirmed with the sender'
    }

    It 'approving a Defender proposal runs it and writes the outcome back on the alert' {
        Connect-User 'alex@contoso.com'
        $id = (Get-AirPendingAction -NoSync | Where-Object { $_.Kind -eq 'SoftDeleteEmail' -and $_.InvestigationId -eq $first.id }).Id
        $summary = Approve-AirAction -Id $id -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.State | Should -Be 'Completed'
        ((Get-Messages 'adele@contoso.com') | Where-Object internetMessageId -eq '<phish-0001@fabrikam-payments.example>').folder | Should -Be 'recoverableitemsdeletions'
        $alert = (Invoke-SimulatorApi $sim '/_simulator/state').alerts | Where-Object id -eq $first.id
        ($alert.comments.comment -join "`n") | Should -Match ([regex]::Escape($id))
        $comment = ($alert.comments | Where-Object comment -match ([regex]::Escape($id))).comment
        $comment | Should -Match 'approved by alex@contoso.com.*Completed: 1 succeeded'
        # The trail's head as of the decision lives on the alert too: a copy outside the store that later proves the trail.
        $comment | Should -Match 'Audit trail head: (\d+:[0-9a-f]{64})\.'
        $head = [regex]::Match($comment, 'Audit trail head: (\d+:[0-9a-f]{64})').Groups[1].Value
        (Test-AirAuditTrail -ExpectedHead $head).IsValid | Should -BeTrue
        $forged = ($head -split ':')[0] + ':' + ('0' * 64)
        $check = Test-AirAuditTrail -ExpectedHead $forged -WarningAction SilentlyContinue
        $check.IsValid | Should -BeFalse
        $check.Problem | Should -Be 'AnchorMismatch'
    }

    It 'approving Defender''s URL and forwarding proposals runs them through the Exchange-side executors' {
        Connect-User 'alex@contoso.com'
        $pending = Get-AirPendingAction -NoSync | Where-Object InvestigationId -eq $first.id
        $url = $pending | Where-Object Kind -eq 'BlockUrl'
        $fwd = $pending | Where-Object Kind -eq 'DisableForwarding'
        ($url | Approve-AirAction -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).State | Should -Be 'Completed'
        ($fwd | Approve-AirAction -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).State | Should -Be 'Completed'
        $state = Invoke-SimulatorApi $sim '/_simulator/state'
        $state.tablEntries.value | Should -Contain 'fabrikam-payments.example/pay'
        $rule = ($state.mailboxes | Where-Object user -eq 'adele@contoso.com').rules | Where-Object displayName -eq 'fwd'
        $rule.isEnabled | Should -BeFalse
        (Get-AirAction -Id $url.Id).State | Should -Be 'Completed'
        (Get-AirAction -Id $fwd.Id).ApprovedBy | Should -Be 'alex@contoso.com'
    }

    It 'a proposed cluster keeps -SubjectMatch and -Discovery: approved, message trace finds every copy from an internal sender' {
        Connect-App
        $a = New-AirAction -SoftDeleteCluster -AllMailboxes -Sender 'payroll@contoso.com' -Subject 'direct deposit' -SubjectMatch Contains `
            -ReceivedAfter ([DateTimeOffset]::UtcNow.AddDays(-9)) -Discovery MessageTrace -Reason 'compromised payroll account' -Confirm:$false
        $a.State | Should -Be 'Pending'
        Connect-User 'alex@contoso.com'
        $summary = Approve-AirAction -Id $a.Id -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 3
        $summary.Note | Should -Match '^Discovery: message trace \(.*3 mailboxes to search'
        foreach ($user in $payrollCopies.Keys) {
            $copy = (Get-Messages $user) | Where-Object from -eq 'payroll@contoso.com'
            $copy.folder | Should -Be 'recoverableitemsdeletions' -Because "$user received the campaign"
            $copy.timesMoved | Should -Be 1
        }
    }

    It 'refuses a user without an approving role' {
        Connect-User 'adele@contoso.com'
        $id = (Get-AirPendingAction -NoSync | Where-Object Kind -eq 'SoftDeleteCluster').Id
        $err = { Approve-AirAction -Id $id -Force -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirApprovalRefused,*'
        $err.Exception.Message | Should -Match 'Security Administrator'
        (Get-AirAction -Id $id).State | Should -Be 'Pending'
    }

    It 'Deny records the reason' {
        Connect-User 'alex@contoso.com'
        $id = (Get-AirPendingAction -NoSync | Where-Object { $_.Kind -eq 'BlockUrl' -and $_.InvestigationId -eq 'alert-two' }).Id
        $d = Reject-AirAction -Id $id -Reason 'internal SSO test page, not phishing'
        $d.State | Should -Be 'Denied'
        $trail = (Get-AirAction -Id $id).Trail | Where-Object ToState -eq 'Denied'
        $trail.Reason | Should -Be 'internal SSO test page, not phishing'
        $trail.Actor | Should -Be 'alex@contoso.com'
        { Approve-AirAction -Id $id -Force -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Denied*'
    }

    It 'an expired action cannot be approved (the clock is shifted, not waited for)' {
        $id = (Get-AirPendingAction -NoSync | Where-Object { $_.Kind -eq 'DisableForwarding' -and $_.InvestigationId -eq 'alert-three' }).Id
        Set-AirTestClock -Offset '8.00:00:00'
        try {
            Connect-User 'alex@contoso.com'
            $err = { Approve-AirAction -Id $id -Force -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AirExpired,*'
            $err.Exception.Message | Should -Match 'expired'
            @(Get-AirPendingAction -NoSync).Count | Should -Be 0
            (Get-AirAction -Id $id).State | Should -Be 'Expired'
        }
        finally {
            Reset-AirTestClock
            Connect-User 'alex@contoso.com'
        }
    }
}

Describe 'Racing approvers' {
    It 'two pwsh processes approving the same action at the same moment: exactly one executes it' {
        Connect-User 'alex@contoso.com'
        $null = Set-AirApprovalPolicy -AppApprover $app.clientId -Confirm:$false
        Connect-App
        $race = New-AirAction -SoftDeleteCluster -Mailbox 'lynne@contoso.com', 'megan@contoso.com', 'adele@contoso.com' -Subject 'Lunch on Friday?' -Confirm:$false
        Connect-User 'megan@contoso.com'   # the app proposed; the app approving in both racers is four-eyes-clean only with self-approval
        $null = Set-AirApprovalPolicy -AllowSelfApproval $true -Confirm:$false 3>$null
        Connect-User 'alex@contoso.com'    # turning four-eyes off takes a second Security Administrator
        (Set-AirApprovalPolicy -AllowSelfApproval $true -Confirm:$false 3>$null).AllowSelfApproval | Should -BeTrue
        $start = [DateTime]::UtcNow.AddSeconds(6).ToString('o')
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -TenantId '$($sim.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($sim.authority)' -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)' -ActionStorePath '$store'
while ([DateTime]::UtcNow -lt [DateTime]::Parse('$start').ToUniversalTime()) { Start-Sleep -Milliseconds 5 }
try { `$s = Approve-AirAction -Id '$($race.Id)' -Force -ErrorAction Stop | Where-Object { `$_ -is [AirRemediation.AirRunSummary] }; "RAN `$(`$s.Succeeded)" }
catch { "REFUSED `$(`$_.FullyQualifiedErrorId)" }
"@
        $procs = 1..2 | ForEach-Object { Start-ChildPwsh -Script $script -Name 'race' }
        $procs | ForEach-Object { $_.WaitForExit(120000) | Should -BeTrue }
        $lines = $procs | ForEach-Object { Get-Content $_.OutputFile -Raw }
        ($lines | Where-Object { $_ -match '^RAN 1' }).Count | Should -Be 1 -Because ($lines -join ' / ')
        ($lines | Where-Object { $_ -match '^REFUSED AirInvalidState' }).Count | Should -Be 1 -Because ($lines -join ' / ')
        ((Get-Messages 'lynne@contoso.com') | Where-Object internetMessageId -eq '<lunch-7@contoso.com>').timesMoved | Should -Be 1
        (Get-AirAction -Id $race.Id).State | Should -Be 'Completed'
    }
}

Describe 'Audit trail' {
    It 'is intact after all of the above' {
        $v = Test-AirAuditTrail
        $v.IsValid | Should -BeTrue
        $v.Entries | Should -BeGreaterThan 10
        # The default view shows the head to keep outside the store, whole (entry:hash).
        $v.Head | Should -Match '^\d+:[0-9a-f]{64}$'
        ($v | Out-String -Width 200) | Should -Match ('Head\s*:\s*' + [regex]::Escape($v.Head))
    }

    It 'names the first broken entry when one audit row is changed in the SQLite file' {
        # Change one row behind the store's back, with the SQLite library the module itself loaded.
        $alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'AirRemediation.Engine'
        $sqlite = $alc.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('Microsoft.Data.Sqlite'))
        $conn = [Activator]::CreateInstance($sqlite.GetType('Microsoft.Data.Sqlite.SqliteConnection'), @("Data Source=$store;Pooling=False"))
        $conn.Open()
        try {
            $cmd = $conn.CreateCommand()
            $cmd.CommandText = "UPDATE audit SET reason = 'nothing to see here' WHERE seq = 5"
            $cmd.ExecuteNonQuery() | Should -Be 1
        }
        finally { $conn.Close(); $conn.Dispose() }
        $v = Test-AirAuditTrail 3>$null
        $v.IsValid | Should -BeFalse
        $v.BrokenEntry | Should -Be 5
        $v.Problem | Should -Be 'HashMismatch'
        $v.Message | Should -Match '5'
    }
}
