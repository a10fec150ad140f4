# Invoke-AirSoftDelete, Resume-AirAction and Undo-AirAction against the simulator (issue: soft delete).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:clusterSender = 'billing@contoso-invoices.example'

    function script:Get-Messages($Sim, [string] $Mailbox) {
        $state = Invoke-SimulatorApi $Sim "/_simulator/state?mailbox=$([uri]::EscapeDataString($Mailbox))"
        ($state.mailboxes | Where-Object user -eq $Mailbox).messages
    }

    # A small tenant of our own: one mailbox with three targets (an apostrophe, non-ASCII text) and two bystanders.
    $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
    $doc.users += @{ id = 'aaaaaaaa-0000-4000-8000-000000000001'; userPrincipalName = 'pat@contoso.com'; displayName = 'Pat Example' }
    $doc.mailboxes += @{
        user     = 'pat@contoso.com'
        folders  = @('Projects')
        messages = @(
            @{ internetMessageId = '<sd-1@evil.example>'; subject = "Quarterly O'Brien review"; from = 'ceo@evil.example'; receivedDateTime = '2026-11-20T08:00:00Z' }
            @{ internetMessageId = '<sd-2@evil.example>'; subject = 'Überweisung fällig – Zahlung bestätigen ✓'; from = 'ceo@evil.example'; receivedDateTime = '2026-11-20T08:01:00Z'; folder = 'Projects' }
            @{ internetMessageId = '<sd-3@evil.example>'; subject = 'Payroll update'; from = 'ceo@evil.example'; receivedDateTime = '2026-11-20T08:02:00Z'; folder = 'junkemail' }
            @{ internetMessageId = '<keep-1@contoso.com>'; subject = "Quarterly O'Brien review"; from = 'lynne@contoso.com'; receivedDateTime = '2026-11-20T09:00:00Z' }
            @{ internetMessageId = '<keep-2@contoso.com>'; subject = 'Lunch'; from = 'lynne@contoso.com'; receivedDateTime = '2026-11-20T09:05:00Z' }
        )
    }
    $script:smallScenario = Join-Path ([IO.Path]::GetTempPath()) 'air-softdelete-scenario.json'
    $doc | ConvertTo-Json -Depth 20 | Set-Content $smallScenario
    Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
}
AfterAll { Disconnect-AirService }

Describe 'Soft delete of specific messages' {
    BeforeAll {
        $script:sim = Start-AirSimulator -Scenario $smallScenario
        Connect-AirTestApp $sim (New-AirTestStorePath)
    }
    AfterAll { $sim | Stop-AirSimulator }

    It 'moves exactly the three messages (apostrophe and non-ASCII subjects too) to recoverableitemsdeletions, and nothing else' {
        $before = Get-Messages $sim 'pat@contoso.com'
        $results = Invoke-AirSoftDelete -Mailbox 'pat@contoso.com' -InternetMessageId '<sd-1@evil.example>', 'sd-2@evil.example', '<sd-3@evil.example>' -Force
        $items = $results | Where-Object { $_ -is [AirRemediation.AirMessageResult] }
        $summary = $results | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $items.Count | Should -Be 3
        $items.Outcome | Should -Be @('Succeeded', 'Succeeded', 'Succeeded')
        $items.Subject | Should -Contain "Quarterly O'Brien review"
        $items.Subject | Should -Contain 'Überweisung fällig – Zahlung bestätigen ✓'
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 3
        $summary.Total | Should -Be ($summary.Succeeded + $summary.AlreadyRemediated + $summary.Failed + $summary.Skipped)

        $after = Get-Messages $sim 'pat@contoso.com'
        foreach ($id in '<sd-1@evil.example>', '<sd-2@evil.example>', '<sd-3@evil.example>') {
            ($after | Where-Object internetMessageId -eq $id).folder | Should -Be 'recoverableitemsdeletions'
            ($after | Where-Object internetMessageId -eq $id).timesMoved | Should -Be 1
        }
        foreach ($id in '<keep-1@contoso.com>', '<keep-2@contoso.com>') {
            $m = $after | Where-Object internetMessageId -eq $id
            $m.timesMoved | Should -Be 0
            $m.folder | Should -Be ($before | Where-Object internetMessageId -eq $id).folder
        }
        $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
        $stats.totals.moves | Should -Be 3
    }

    It 're-running the same command changes nothing and reports the messages as already remediated' {
        $movesBefore = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves
        $results = Invoke-AirSoftDelete -Mailbox 'pat@contoso.com' -InternetMessageId '<sd-1@evil.example>', '<sd-2@evil.example>', '<sd-3@evil.example>' -Force
        $items = $results | Where-Object { $_ -is [AirRemediation.AirMessageResult] }
        $items.Outcome | Sort-Object -Unique | Should -Be 'AlreadyRemediated'
        ($results | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).AlreadyRemediated | Should -Be 3
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be $movesBefore
    }

    It 'filters a cluster by a subject with an apostrophe' {
        $r = Invoke-AirSoftDelete -Mailbox 'pat@contoso.com' -Subject "Quarterly O'Brien review" -WhatIf -Verbose 4>&1 | Out-String
        # The O'Brien phish is gone already; the bystander with the same subject is the only match left.
        $r | Should -Match '1 message\(s\) in 1 mailbox\(es\) would be soft deleted'
    }

    It 'Undo puts every message back in its original folder' {
        $action = (Invoke-AirSoftDelete -Mailbox 'pat@contoso.com' -InternetMessageId '<keep-2@contoso.com>' -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId
        $first = Get-Messages $sim 'pat@contoso.com'
        ($first | Where-Object internetMessageId -eq '<keep-2@contoso.com>').folder | Should -Be 'recoverableitemsdeletions'
        $u = Undo-AirAction -Id $action -Force
        ($u | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).State | Should -Be 'Completed'
        ((Get-Messages $sim 'pat@contoso.com') | Where-Object internetMessageId -eq '<keep-2@contoso.com>').folder | Should -Be 'inbox'
        $err = { Undo-AirAction -Id $action -Force -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidState,*'
    }

    It 'gives each bad input its own error and goes on with the rest' {
        $results = Invoke-AirSoftDelete -Mailbox 'pat@contoso.com', 'not-a-mailbox', 'ghost@contoso.com', 'diego@contoso.com' -InternetMessageId '<nothing-here@x.example>' -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $ids = $errs | ForEach-Object FullyQualifiedErrorId
        $ids | Should -Contain 'AirInvalidInput,AirRemediation.Commands.InvokeAirSoftDeleteCommand'
        $ids | Should -Contain 'AirNotFound,AirRemediation.Commands.InvokeAirSoftDeleteCommand'
        $ids | Should -Contain 'AirMailboxNotRestEnabled,AirRemediation.Commands.InvokeAirSoftDeleteCommand'
        ($errs | Where-Object { $_.Exception.Message -match 'not-a-mailbox' }).Exception.Message | Should -Match "no '@'"
        ($errs | Where-Object { $_.Exception.Message -match 'ghost@' }).Exception.Message | Should -Match 'not found'
        $summary = $results | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.Total | Should -Be 4
        $summary.Failed | Should -Be 4
    }
}

Describe 'Soft delete of a cluster across a generated tenant' {
    BeforeAll {
        # 500 mailboxes x 16 background messages + 2,000 cluster copies = 10,000 messages, 2,000 matching.
        $script:gen = Start-AirSimulator -ExtraArguments @('--generate', '500,16,2000', '--seed', '7', '--latency-ms', '2', '--jitter-ms', '2')
        Connect-AirTestApp $gen (New-AirTestStorePath)
    }
    AfterAll { $gen | Stop-AirSimulator }

    It '-WhatIf leaves the simulator state byte-for-byte unchanged' {
        $before = (Invoke-WebRequest "$($gen.http)/_simulator/state").Content
        $script:initialState = $before | ConvertFrom-Json
        $null = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -WhatIf 6>$null
        $after = (Invoke-WebRequest "$($gen.http)/_simulator/state").Content
        $after | Should -BeExactly $before
        (Invoke-SimulatorApi $gen '/_simulator/stats').totals.moves | Should -Be 0
    }

    It 'soft deletes exactly the 2,000 matching messages within the limits, each moved once' {
        $null = Invoke-SimulatorApi $gen '/_simulator/reset-stats' -Method Post
        $results = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -Force
        $summary = $results | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $script:clusterAction = $summary.ActionId
        $summary.Succeeded | Should -Be 2000
        $summary.Failed | Should -Be 0
        $summary.Total | Should -Be ($summary.Succeeded + $summary.AlreadyRemediated + $summary.Failed + $summary.Skipped)

        $stats = Invoke-SimulatorApi $gen '/_simulator/stats'
        $stats.totals.moves | Should -Be 2000
        $stats.totals.maxMailboxConcurrency | Should -BeLessOrEqual 4
        ($stats.mailboxes.PSObject.Properties.Value | Measure-Object earlyRetries -Sum).Sum | Should -Be 0
        $cluster = $stats.messages | Where-Object { $_.internetMessageId -like '<cluster-*' }
        $cluster.Count | Should -Be 2000
        ($cluster | Where-Object timesMoved -ne 1).Count | Should -Be 0
        ($stats.messages | Where-Object { $_.internetMessageId -notlike '<cluster-*' -and $_.timesMoved -gt 0 }).Count | Should -Be 0
    }

    It 'Undo puts all 2,000 back in the folders they came from' {
        $summary = Undo-AirAction -Id $clusterAction -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.Succeeded | Should -Be 2000
        $summary.State | Should -Be 'Completed'
        $origin = @{}
        foreach ($mb in $initialState.mailboxes) { foreach ($m in $mb.messages) { $origin["$($mb.user)|$($m.immutableId)"] = $m.folder } }
        $state = Invoke-SimulatorApi $gen '/_simulator/state'
        $wrong = foreach ($mb in $state.mailboxes) { foreach ($m in $mb.messages) { if ($origin["$($mb.user)|$($m.immutableId)"] -ne $m.folder) { $m } } }
        @($wrong).Count | Should -Be 0
    }
}

Describe 'Soft delete under faults and crashes' {
    It 'keeps exact accounting with 10% 5xx and applied-but-504: no message moved twice' {
        $sim = Start-AirSimulator -ExtraArguments @('--generate', '200,5,600', '--seed', '11')
        try {
            Connect-AirTestApp $sim (New-AirTestStorePath)
            $null = Invoke-SimulatorApi $sim '/_simulator/faults' -Method Post -Body @{ serverErrorRate = 0.1; appliedButGatewayTimeoutRate = 0.1 }
            $summary = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            ($stats.totals.serverErrors + $stats.totals.gatewayTimeouts) | Should -BeGreaterThan 0 -Because 'the faults must really have happened'
            $summary.Succeeded + $summary.AlreadyRemediated | Should -Be 600
            $summary.Failed | Should -Be 0
            $cluster = $stats.messages | Where-Object { $_.internetMessageId -like '<cluster-*' }
            ($cluster | Where-Object timesMoved -ne 1).Count | Should -Be 0
            $stats.totals.moves | Should -Be 600
        }
        finally { $sim | Stop-AirSimulator }
    }

    It 'resumes after kill -9 in the middle of a cluster run: every message moved once, counts add up' {
        $sim = Start-AirSimulator -ExtraArguments @('--generate', '300,4,900', '--seed', '5', '--latency-ms', '30', '--jitter-ms', '10')
        $store = New-AirTestStorePath
        try {
            $p = Start-ChildPwsh -Script (New-AirChildSessionScript $sim $store "Invoke-AirSoftDelete -AllMailboxes -Sender '$clusterSender' -Force | Out-Null") -Name 'kill'
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do { Start-Sleep -Milliseconds 100; $moves = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves } while ($moves -lt 150 -and [DateTime]::UtcNow -lt $deadline -and -not $p.HasExited)
            $p.Kill($true)   # SIGKILL: no finally blocks, no journal flush beyond what was committed
            $p.WaitForExit()
            $movedAtKill = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves
            $movedAtKill | Should -BeGreaterThan 0
            $movedAtKill | Should -BeLessThan 900 -Because 'the process must be killed mid-run for this test to mean anything'

            Connect-AirTestApp $sim $store
            $summary = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
            $summary.State | Should -Be 'Completed'
            $summary.Succeeded + $summary.AlreadyRemediated | Should -Be 900
            $summary.Total | Should -Be ($summary.Succeeded + $summary.AlreadyRemediated + $summary.Failed + $summary.Skipped)
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            $stats.totals.moves | Should -Be 900
            ($stats.messages | Where-Object { $_.internetMessageId -like '<cluster-*' -and $_.timesMoved -ne 1 }).Count | Should -Be 0
        }
        finally { $sim | Stop-AirSimulator }
    }
}
