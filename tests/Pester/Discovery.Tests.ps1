# Targeted discovery (issue 17): Invoke-AirSoftDelete -Discovery Auto|MessageTrace|FullScan against the simulator —
# clusters $filter alone misses, the 90-day limit, and kill -9 during discovery.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:clusterSender = 'billing@contoso-invoices.example'

    function script:Get-Summary($Results) { $Results | Where-Object { $_ -is [AirRemediation.AirRunSummary] } }

    # Every copy of the messages with these internet message ids, as the simulator holds them now.
    function script:Get-Copies($Sim, [string[]] $InternetMessageId) {
        foreach ($mb in (Invoke-SimulatorApi $Sim '/_simulator/state').mailboxes) {
            foreach ($m in $mb.messages) {
                if ($InternetMessageId -contains $m.internetMessageId) { [pscustomobject]@{ Mailbox = $mb.user; Folder = $m.folder; TimesMoved = $m.timesMoved; Id = $m.internetMessageId } }
            }
        }
    }

    # Mailboxes the module sent at least one request to since the last reset-stats.
    function script:Get-TouchedMailboxes($Sim) {
        @((Invoke-SimulatorApi $Sim '/_simulator/stats').mailboxes.PSObject.Properties | Where-Object { $_.Value.requests -gt 0 } | ForEach-Object Name)
    }

    # Starts Invoke-AirSoftDelete in a child pwsh (its own process, to be killed with SIGKILL).
    function script:Start-ChildSoftDelete($Sim, [string] $Store, [string] $Arguments) {
        Start-ChildPwsh -Script (New-AirChildSessionScript $Sim $Store "Invoke-AirSoftDelete $Arguments -Force | Out-Null") -Name 'kill'
    }

    # Polls the simulator's stats until $Condition holds (an event of the run, never a time to pass); fails after 90 s.
    function script:Wait-Stats($Sim, $Process, [scriptblock] $Condition, [string] $What) {
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while ($true) {
            $stats = Invoke-SimulatorApi $Sim '/_simulator/stats'
            if (& $Condition $stats) { return $stats }
            if ($Process.HasExited) { throw "The child run ended (exit code $($Process.ExitCode)) before $What." }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for $What." }
            Start-Sleep -Milliseconds 50
        }
    }

    $script:now = [DateTimeOffset]::UtcNow
    function script:Iso([TimeSpan] $Ago) { $now.Subtract($Ago).UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ssZ') }

    # A tenant of our own on top of the default one: eight recipients (r01..r08), and in their mailboxes
    # - an internal cluster: sam@contoso.com's "Q4 bonus plan" in r01..r05 (r03's copy in Junk Email); Graph's
    #   from/emailAddress/address eq misses senders of the tenant's own domain (SIMULATOR.md, Open question 14);
    # - a "mailbox quota" campaign from it-support@mail-quota.example whose subjects carry the text in the middle, one
    #   message (own id) per mailbox in r04..r08, and one recipient outside the tenant (a trace row only);
    # - bystanders sharing the sender or the subject, never to be moved;
    # - an old campaign, 120 days ago: beyond message trace's 90 days.
    $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
    $users = @('sam') + (1..8 | ForEach-Object { 'r{0:D2}' -f $_ })
    $i = 0
    foreach ($u in $users) {
        $i++
        $doc.users += @{ id = ('bbbbbbbb-0000-4000-8000-{0:D12}' -f $i); userPrincipalName = "$u@contoso.com"; displayName = "Discovery $u" }
    }
    $script:bonusId = '<bonus-plan-7@contoso.com>'
    $script:bonusSubject = 'Q4 bonus plan – please review'
    $script:quotaSender = 'it-support@mail-quota.example'
    $script:quota = [ordered]@{
        r04 = 'Your mailbox quota is almost full – act now'
        r05 = 'URGENT: mailbox quota exceeded'
        r06 = 'RE: mailbox quota exceeded (ticket 4411)'
        r07 = 'Fwd: Final notice: Mailbox Quota'
        r08 = 'Mailbox quota exceeded'
    }
    $script:quotaIds = @($quota.Keys | ForEach-Object { "<quota-$_@mail-quota.example>" })
    $script:oldIds = @('<old-1@old-campaign.example>')
    $messages = @{}
    foreach ($u in $users) { $messages[$u] = [System.Collections.Generic.List[object]]::new() }
    foreach ($u in 'r01', 'r02', 'r03', 'r04', 'r05') {
        $m = @{ internetMessageId = $bonusId; subject = $bonusSubject; from = 'sam@contoso.com'; receivedDateTime = (Iso ([TimeSpan]::FromDays(2))) }
        if ($u -eq 'r03') { $m.folder = 'junkemail' }
        $messages[$u].Add($m)
    }
    foreach ($u in $quota.Keys) {
        $messages[$u].Add(@{ internetMessageId = "<quota-$u@mail-quota.example>"; subject = $quota[$u]; from = $quotaSender; receivedDateTime = (Iso ([TimeSpan]::FromDays(3))); folder = $(if ($u -eq 'r07') { 'junkemail' } else { 'inbox' }) })
    }
    $script:bystanderIds = @('<keep-1@contoso.com>', '<keep-2@fabrikam.example>', '<keep-3@mail-quota.example>', '<keep-4@contoso.com>')
    $messages['r01'].Add(@{ internetMessageId = '<keep-1@contoso.com>'; subject = 'Lunch?'; from = 'sam@contoso.com'; receivedDateTime = (Iso ([TimeSpan]::FromDays(1))) })
    $messages['r02'].Add(@{ internetMessageId = '<keep-2@fabrikam.example>'; subject = $bonusSubject; from = 'hr@fabrikam.example'; receivedDateTime = (Iso ([TimeSpan]::FromDays(1))) })
    $messages['r04'].Add(@{ internetMessageId = '<keep-3@mail-quota.example>'; subject = 'Password expiry'; from = $quotaSender; receivedDateTime = (Iso ([TimeSpan]::FromDays(1))) })
    $messages['r08'].Add(@{ internetMessageId = '<keep-4@contoso.com>'; subject = 'mailbox quota for the shared box?'; from = 'lynne@contoso.com'; receivedDateTime = (Iso ([TimeSpan]::FromDays(1))) })
    foreach ($u in 'r01', 'r02') {
        $messages[$u].Add(@{ internetMessageId = $oldIds[0]; subject = 'Invoice 2291 overdue'; from = 'invoices@old-campaign.example'; receivedDateTime = (Iso ([TimeSpan]::FromDays(120))) })
    }
    foreach ($u in $users) { $doc.mailboxes += @{ user = "$u@contoso.com"; messages = @($messages[$u]) } }
    $doc.messageTrace = @(@{ messageId = '<quota-ext@mail-quota.example>'; senderAddress = $quotaSender; recipientAddress = 'partner@tailspin.example'; subject = 'URGENT: mailbox quota exceeded'; status = 'Delivered'; received = (Iso ([TimeSpan]::FromDays(3))) })
    $script:discoveryScenario = Join-Path ([IO.Path]::GetTempPath()) 'air-discovery-scenario.json'
    $doc | ConvertTo-Json -Depth 20 | Set-Content $discoveryScenario
    Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
}
AfterAll { Disconnect-AirService }

Describe 'Targeted discovery finds what $filter alone misses' {
    BeforeAll {
        # 150 more mailboxes with background mail, so "only the receiving mailboxes" is visible next to the full scan.
        $script:sim = Start-AirSimulator -Scenario $discoveryScenario -ExtraArguments @('--generate', '150,3,0', '--seed', '17')
        Connect-AirTestApp $sim (New-AirTestStorePath)
        $script:after = $now.AddDays(-7)
        $form = @{ client_id = $app.clientId; client_secret = $app.secrets[0]; grant_type = 'client_credentials'; scope = 'https://graph.microsoft.com/.default' }
        $script:graphToken = (Invoke-RestMethod -SkipCertificateCheck -Method Post -Uri "$($sim.authority)$($sim.tenantId)/oauth2/v2.0/token" -Body $form).access_token
        function script:Get-GraphCount([string] $Mailbox, [string] $Filter) {
            $uri = "$($sim.graph)/users/$Mailbox/messages?`$filter=$([uri]::EscapeDataString($Filter))"
            @((Invoke-RestMethod -SkipCertificateCheck -Uri $uri -Headers @{ Authorization = "Bearer $graphToken" }).value).Count
        }
    }
    AfterAll { $sim | Stop-AirSimulator }

    It 'the tenant is one where Graph''s $filter misses both clusters: the internal sender and the subject text in the middle' {
        foreach ($u in 'r01', 'r02', 'r03', 'r04', 'r05') {
            Get-GraphCount "$u@contoso.com" "internetMessageId eq '$bonusId'" | Should -Be 1 -Because 'the copy is there'
            Get-GraphCount "$u@contoso.com" "from/emailAddress/address eq 'sam@contoso.com'" | Should -Be 0 -Because 'Graph''s sender filter misses a sender of the tenant''s own domain'
        }
        foreach ($u in $quota.Keys) {
            Get-GraphCount "$u@contoso.com" "internetMessageId eq '<quota-$u@mail-quota.example>'" | Should -Be 1
            Get-GraphCount "$u@contoso.com" "subject eq 'mailbox quota'" | Should -Be 0 -Because '$filter matches whole subjects only'
        }
    }

    It 'a cluster from an internal sender: -Discovery Auto takes message trace, searches only the five receiving mailboxes and moves every copy once' {
        # What the full scan would do with the same query: it finds the copies too — the module never trusts $filter
        # for an internal sender (it filters by time and matches the sender itself) — but reads every mailbox to do it.
        $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post
        $plan = Invoke-AirSoftDelete -AllMailboxes -Sender 'sam@contoso.com' -Subject $bonusSubject -ReceivedAfter $after -Discovery FullScan -WhatIf -Verbose 4>&1 | Out-String
        $plan | Should -Match 'Discovery: full scan \(as asked\)'
        $plan | Should -Match 'What if: 5 message\(s\) in \d+ mailbox\(es\) would be soft deleted'
        $scanned = (Get-TouchedMailboxes $sim).Count
        $scanned | Should -BeGreaterThan 150

        $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post
        $results = Invoke-AirSoftDelete -AllMailboxes -Sender 'sam@contoso.com' -Subject $bonusSubject -ReceivedAfter $after -Discovery Auto -Force -Verbose 4>&1
        $summary = Get-Summary $results
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 5
        $summary.Failed | Should -Be 0
        $summary.Note | Should -Match '^Discovery: message trace \(.*5 mailboxes to search, 0 recipients skipped\)'
        ($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain $summary.Note

        $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
        $stats.totals.messageTraceQueries | Should -BeGreaterThan 0
        Get-TouchedMailboxes $sim | Sort-Object | Should -Be @('r01@contoso.com', 'r02@contoso.com', 'r03@contoso.com', 'r04@contoso.com', 'r05@contoso.com')
        $copies = @(Get-Copies $sim $bonusId)
        $copies.Count | Should -Be 5
        $copies | ForEach-Object { $_.Folder | Should -Be 'recoverableitemsdeletions'; $_.TimesMoved | Should -Be 1 }
        Get-Copies $sim $bystanderIds | ForEach-Object { $_.TimesMoved | Should -Be 0 -Because "$($_.Id) in $($_.Mailbox) shares only the sender or the subject" }
    }

    It 'a -SubjectMatch Contains cluster: -Discovery MessageTrace finds every subject with the text in the middle, once each, and reports the external recipient' {
        $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post
        # The full scan would find them as well (the subject is matched on each message, not by $filter), from every mailbox.
        $plan = Invoke-AirSoftDelete -AllMailboxes -Sender $quotaSender -Subject 'mailbox quota' -SubjectMatch Contains -ReceivedAfter $after -Discovery FullScan -WhatIf -Verbose 4>&1 | Out-String
        $plan | Should -Match 'What if: 5 message\(s\) in \d+ mailbox\(es\) would be soft deleted'
        # Matched exactly (the $filter way) the text finds nothing.
        $exact = Invoke-AirSoftDelete -AllMailboxes -Sender $quotaSender -Subject 'mailbox quota' -ReceivedAfter $after -Discovery FullScan -WhatIf -Verbose 4>&1 | Out-String
        $exact | Should -Match 'What if: 0 message\(s\)'

        $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post
        $results = Invoke-AirSoftDelete -AllMailboxes -Sender $quotaSender -Subject 'mailbox quota' -SubjectMatch Contains -ReceivedAfter $after -Discovery MessageTrace -Force
        $summary = Get-Summary $results
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 5
        $summary.Skipped | Should -Be 1
        $summary.Note | Should -Match '^Discovery: message trace \(.*5 mailboxes to search, 1 recipients skipped\)'
        $external = $results | Where-Object { $_ -is [AirRemediation.AirMessageResult] -and $_.Mailbox -eq 'partner@tailspin.example' }
        $external.Outcome | Should -Be 'Skipped'
        $external.Reason | Should -Match 'outside this tenant'

        Get-TouchedMailboxes $sim | Sort-Object | Should -Be @($quota.Keys | ForEach-Object { "$_@contoso.com" })
        $copies = @(Get-Copies $sim $quotaIds)
        $copies.Count | Should -Be 5
        $copies | ForEach-Object { $_.Folder | Should -Be 'recoverableitemsdeletions'; $_.TimesMoved | Should -Be 1 }
        Get-Copies $sim $bystanderIds | ForEach-Object { $_.TimesMoved | Should -Be 0 -Because "$($_.Id) in $($_.Mailbox) shares only the sender or the subject" }
    }

    It 'a window older than 90 days: Auto scans every mailbox and says why (summary and -Verbose); MessageTrace is an error naming the window' {
        $old = $now.AddDays(-130)
        $stamp = $old.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss') + 'Z'
        $tracesBefore = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.messageTraceQueries

        $err = { Invoke-AirSoftDelete -AllMailboxes -Sender 'invoices@old-campaign.example' -ReceivedAfter $old -Discovery MessageTrace -Force -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -BeLike "-Discovery MessageTrace cannot be used: -ReceivedAfter ($stamp) is 130 days ago; message trace keeps 90 days (back to *). Use -Discovery Auto or FullScan."
        @(Get-Copies $sim $oldIds | Where-Object TimesMoved -ne 0).Count | Should -Be 0

        $results = Invoke-AirSoftDelete -AllMailboxes -Sender 'invoices@old-campaign.example' -ReceivedAfter $old -Discovery Auto -Force -Verbose 4>&1
        $summary = Get-Summary $results
        $summary.State | Should -Be 'Completed'
        $summary.Succeeded | Should -Be 2
        $summary.Note | Should -BeLike "Discovery: full scan (-ReceivedAfter ($stamp) is 130 days ago; message trace keeps 90 days (back to *))."
        ($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain $summary.Note
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.messageTraceQueries | Should -Be $tracesBefore -Because 'the trace is not asked for a window it does not keep'
        Get-Copies $sim $oldIds | ForEach-Object { $_.Folder | Should -Be 'recoverableitemsdeletions'; $_.TimesMoved | Should -Be 1 }
    }
}

Describe 'kill -9 during targeted discovery' {
    It 'killed inside the trace (held there by a throttled query): nothing is journaled or moved, and the same command then moves every copy once' {
        $sim = Start-AirSimulator -ExtraArguments @('--generate', '400,2,120', '--seed', '23')
        $store = New-AirTestStorePath
        try {
            # One trace query per 5 minutes: a 25-day window needs three, so the run waits inside discovery after its first.
            $limits = Invoke-SimulatorApi $sim '/_simulator/limits'
            $limits.messageTraceQueriesPerWindow = 1
            $null = Invoke-SimulatorApi $sim '/_simulator/limits' -Method Post -Body $limits
            $since = $now.AddDays(-25).ToString('o')
            $p = Start-ChildSoftDelete $sim $store "-AllMailboxes -Sender '$clusterSender' -ReceivedAfter '$since' -Discovery MessageTrace"
            $null = Wait-Stats $sim $p { param($s) $s.totals.messageTraceThrottled -ge 1 } 'the child''s trace was throttled'
            $p.Kill($true)   # SIGKILL, while it waits for the trace window to free
            $p.WaitForExit()
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            $stats.totals.messageTraceQueries | Should -Be 1
            $stats.totals.moves | Should -Be 0
            Connect-AirTestApp $sim $store
            @(Get-AirAction).Count | Should -Be 0 -Because 'the trace runs before the action is created: nothing was journaled'

            $limits.messageTraceQueriesPerWindow = 100
            $null = Invoke-SimulatorApi $sim '/_simulator/limits' -Method Post -Body $limits
            $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post   # also empties the trace window
            $summary = Get-Summary (Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -ReceivedAfter $since -Discovery MessageTrace -Force)
            $summary.State | Should -Be 'Completed'
            $summary.Succeeded | Should -Be 120
            $summary.Note | Should -Match '^Discovery: message trace'
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            $stats.totals.moves | Should -Be 120
            ($stats.messages | Where-Object { $_.internetMessageId -like '<cluster-*' -and $_.timesMoved -ne 1 }).Count | Should -Be 0
        }
        finally { $sim | Stop-AirSimulator }
    }

    It 'killed while the traced mailboxes are being searched: the same command resumes the action, and every copy is moved exactly once' {
        # The cluster in 1,000 of 3,000 mailboxes; latency so the kill lands while mailboxes are still being searched.
        $sim = Start-AirSimulator -ExtraArguments @('--generate', '3000,1,1000', '--seed', '29', '--latency-ms', '40', '--jitter-ms', '10')
        $store = New-AirTestStorePath
        try {
            $since = $now.AddDays(-5).ToString('o')
            $p = Start-ChildSoftDelete $sim $store "-AllMailboxes -Sender '$clusterSender' -ReceivedAfter '$since' -Discovery MessageTrace"
            $null = Wait-Stats $sim $p { param($s) $s.totals.messageTraceQueries -ge 1 -and $s.totals.moves -ge 100 } 'the child traced and moved 100 copies'
            $p.Kill($true)
            $p.WaitForExit()
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            $movedAtKill = $stats.totals.moves
            $movedAtKill | Should -BeLessThan 1000 -Because 'the process must be killed mid-run for this test to mean anything'
            (Get-TouchedMailboxes $sim).Count | Should -BeLessThan 1000 -Because 'discovery was still under way: some receiving mailboxes had not been searched'

            Connect-AirTestApp $sim $store
            $killed = @(Get-AirAction)
            $killed.Count | Should -Be 1
            $killed[0].State | Should -Be 'Running'
            $summary = Get-Summary (Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -ReceivedAfter $since -Discovery MessageTrace -Force)
            $summary.ActionId | Should -Be $killed[0].Id -Because 'the interrupted action is resumed, not a new one started'
            $summary.State | Should -Be 'Completed'
            $summary.Note | Should -Match '^Discovery: message trace'
            $summary.Succeeded + $summary.AlreadyRemediated | Should -Be 1000
            $summary.Failed | Should -Be 0
            $summary.Total | Should -Be ($summary.Succeeded + $summary.AlreadyRemediated + $summary.Failed + $summary.Skipped)
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            $stats.totals.moves | Should -Be 1000
            ($stats.messages | Where-Object { $_.internetMessageId -like '<cluster-*' -and $_.timesMoved -ne 1 }).Count | Should -Be 0
            ($stats.messages | Where-Object { $_.internetMessageId -notlike '<cluster-*' -and $_.timesMoved -gt 0 }).Count | Should -Be 0
        }
        finally { $sim | Stop-AirSimulator }
    }
}
