# Issue 10, the fault and abuse suite, for what only the published module in a real pwsh can show: kill -9 and
# resume, Ctrl+C (StopProcessing) and resume, bad input through the cmdlets, an approver without the role, and
# secret hygiene across every cmdlet with -Verbose -Debug under Start-Transcript.
# The Engine-level items (storms, app-wide throttling, $batch, mixed faults, token expiry, 403, concurrent runs)
# are xunit tests in tests/AirRemediation.Engine.Tests (Execution/, SoftDelete/, Http/, Store/), all on a TestClock.
# docs/RELIABILITY.md maps each promise to its test.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:public = $scenario.apps | Where-Object publicClient
    $script:clusterSender = 'billing@contoso-invoices.example'
    $script:long = $env:AIR_LONG_FAULTS -eq '1'

    function script:New-StorePath { New-AirTestStorePath 'air-fault' }

    function script:Connect-App($Sim, [string] $Store, [switch] $VerboseDebug) {
        $p = @{
            TenantId = $Sim.tenantId; ClientId = $app.clientId; ClientSecret = (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force)
            AuthorityHost = $Sim.authority; GraphEndpoint = $Sim.graph; ExchangeEndpoint = $Sim.exchange; ActionStorePath = $Store
        }
        if ($VerboseDebug) { Connect-AirService @p -Verbose -Debug *>&1 } else { $null = Connect-AirService @p }
    }

    function script:Get-ClusterCopies($Sim) {
        $state = Invoke-SimulatorApi $Sim '/_simulator/state'
        foreach ($mb in $state.mailboxes) { foreach ($m in $mb.messages) { if ($m.from -eq $clusterSender) { [pscustomobject]@{ Mailbox = $mb.user; TimesMoved = $m.timesMoved; Folder = $m.folder } } } }
    }

    function script:Start-ChildSoftDelete($Sim, [string] $Store) {
        # A separate pwsh running the cluster soft delete, to be killed with SIGKILL.
        # Item errors are written and the run goes on; the test judges the journal.
        Start-ChildPwsh -Script (New-AirChildSessionScript $Sim $Store "Invoke-AirSoftDelete -AllMailboxes -Sender '$clusterSender' -Force | Out-Null" -ContinueOnError) -Name 'fault-kill'
    }
    function script:Start-Child($Sim, [string] $Store, [string] $Body) {
        Start-ChildPwsh -Script (New-AirChildSessionScript $Sim $Store $Body) -Name 'fault-kill'
    }

    function script:Invoke-KillLoop($Sim, [string] $Store, [string] $Body, [scriptblock] $Progress, [int] $Total, [int] $Kills) {
        # Runs $Body in a child pwsh and kills it (SIGKILL) when $Progress reaches a random point around i/(Kills+2)
        # of $Total, Kills times; returns the progress at each kill.
        $seed = Get-Random -Maximum 100000
        $rng = [Random]::new($seed)
        $points = @()
        $step = $Total / ($Kills + 2)
        for ($i = 1; $i -le $Kills; $i++) {
            $target = [int]($step * $i + ($rng.NextDouble() - 0.5) * 0.8 * $step)
            $p = Start-Child $Sim $Store $Body
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            do { Start-Sleep -Milliseconds 50; $done = & $Progress } while ($done -lt $target -and [DateTime]::UtcNow -lt $deadline -and -not $p.HasExited)
            $why = if ($p.HasExited) { " - the child ended on its own: $(Get-Content $p.ErrorFile -Raw)" } else { '' }
            $p.HasExited | Should -BeFalse -Because "kill $i must land while the run is still going (progress $done of $Total)$why"
            $p.Kill($true)
            $p.WaitForExit()
            $points += (& $Progress)
        }
        Write-Host "    kill points (seed $seed): $($points -join ', ') of $Total"
        $points[-1] | Should -BeLessThan $Total -Because 'the last kill must leave work to resume'
    }
}
AfterAll { Disconnect-AirService }

Describe 'kill -9 at random points during a cluster soft delete' -Tag 'Fault' {
    It 'resumes after each of <Kills> kills with every message moved exactly once and exact counts' -ForEach @(@{ Kills = $(if ($env:AIR_LONG_FAULTS -eq '1') { 12 } else { 5 }) }) {
        $k = if ($long) { 4000 } else { 1200 }
        # Few mailboxes with many copies each: the run is bounded by 4 moves in flight per mailbox, slow enough (about
        # 150 moves a second) for the kills to land where they were aimed.
        $mailboxes = if ($long) { 10 } else { 4 }
        $sim = Start-AirSimulator -ExtraArguments @('--generate', "$mailboxes,3,$k", '--seed', '23', '--latency-ms', '100', '--jitter-ms', '20')
        $store = New-StorePath
        try {
            $seed = Get-Random -Maximum 100000
            $rng = [Random]::new($seed)
            $points = @()
            $moved = 0
            for ($i = 1; $i -le $Kills; $i++) {
                # Kill i lands at a random point around i/(Kills+2) of the run: sometimes while a resumed run is still
                # verifying the open items of the one killed before, sometimes mid-scan, mostly mid-move.
                $step = $k / ($Kills + 2)
                $target = [int]($step * $i + ($rng.NextDouble() - 0.5) * 0.8 * $step)
                $p = Start-ChildSoftDelete $sim $store
                $deadline = [DateTime]::UtcNow.AddSeconds(90)
                do {
                    Start-Sleep -Milliseconds 50
                    $moved = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves
                } while ($moved -lt $target -and [DateTime]::UtcNow -lt $deadline -and -not $p.HasExited)
                $p.HasExited | Should -BeFalse -Because "kill $i must land while the run is still going (moves $moved of $k)"
                $p.Kill($true)   # SIGKILL: no finally blocks, no Ctrl+C handling, only what the journal already committed
                $p.WaitForExit()
                $moved = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves
                $points += $moved
            }
            Write-Host "    kill points (moves so far, seed $seed): $($points -join ', ') of $k"
            $points[-1] | Should -BeLessThan $k -Because 'the last kill must leave work to resume'

            Connect-App $sim $store
            $summary = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
            Write-Host "    after resume: $summary"
            $summary.State | Should -Be 'Completed'
            $summary.Succeeded + $summary.AlreadyRemediated | Should -Be $k
            $summary.Failed | Should -Be 0
            $summary.Total | Should -Be ($summary.Succeeded + $summary.AlreadyRemediated + $summary.Failed + $summary.Skipped)
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            $stats.totals.moves | Should -Be $k
            $copies = @(Get-ClusterCopies $sim)
            $copies.Count | Should -Be $k
            @($copies | Where-Object TimesMoved -ne 1).Count | Should -Be 0
            @($copies | Where-Object Folder -ne 'recoverableitemsdeletions').Count | Should -Be 0
            # One action for the whole story, and its journal says Done for every message.
            $action = Get-AirAction -Id $summary.ActionId
            @($action.Items | Where-Object { $_.Key -notlike '*|mailbox' -and $_.Outcome -ne 'Succeeded' }).Count | Should -Be 0
        }
        finally { $sim | Stop-AirSimulator }
    }
}

Describe 'kill -9 at random points while blocking URLs' -Tag 'Fault' {
    It 'resumes after each of 5 kills: every URL blocked exactly once, exact counts' {
        $n = if ($long) { 2000 } else { 600 }
        $sim = Start-AirSimulator -ExtraArguments @('--latency-ms', '120', '--jitter-ms', '20')
        $store = New-StorePath
        try {
            $before = @((Invoke-SimulatorApi $sim '/_simulator/state?messages=false').tablEntries).Count
            $urls = 1..$n | ForEach-Object { "kill-$_.phish.example" }
            $list = Join-Path ([IO.Path]::GetTempPath()) "air-fault-urls-$([guid]::NewGuid().ToString('n')).txt"
            Set-Content $list $urls
            # First run starts the action; each later one resumes it (a re-run would start a new action).
            $body = @"
`$open = @(Get-AirAction -Kind BlockUrl -State Running, Cancelled)
if (`$open) { Resume-AirAction -Id `$open[0].Id | Out-Null } else { Block-AirUrl -Url (Get-Content '$list') -Note 'kill test' -Force | Out-Null }
"@
            Invoke-KillLoop $sim $store $body { @((Invoke-SimulatorApi $sim '/_simulator/state?messages=false').tablEntries).Count - $before } $n 5

            Connect-App $sim $store
            $action = @(Get-AirAction -Kind BlockUrl)
            $action.Count | Should -Be 1 -Because 'every run after a kill resumed the one action'
            $summary = if ($action[0].State -in 'Running', 'Cancelled') { Resume-AirAction -Id $action[0].Id | Where-Object { $_ -is [AirRemediation.AirRunSummary] } } else { $action[0] }
            Write-Host "    after resume: $summary"
            $final = Get-AirAction -Id $action[0].Id
            $final.State | Should -Be 'Completed'
            $final.Succeeded + $final.AlreadyRemediated | Should -Be $n
            $final.Failed | Should -Be 0
            $final.Total | Should -Be $n
            $tabl = @((Invoke-SimulatorApi $sim '/_simulator/state?messages=false').tablEntries)
            $ours = @($tabl | Where-Object { $_.value -like 'kill-*.phish.example' })
            $ours.Count | Should -Be $n
            @($ours.value | Sort-Object -Unique).Count | Should -Be $n -Because 'no URL may be added twice'
        }
        finally { $sim | Stop-AirSimulator }
    }
}

Describe 'kill -9 at random points while turning off forwarding' -Tag 'Fault' {
    It 'resumes after each of 5 kills: every external rule off and forwarding cleared once, and undo restores the original state exactly' {
        $m = if ($long) { 800 } else { 100 }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
        $upns = 1..$m | ForEach-Object { 'fwd{0:D4}@contoso.com' -f $_ }
        foreach ($u in $upns) {
            $doc.users += @{ id = [guid]::NewGuid().ToString(); userPrincipalName = $u; displayName = $u }
            $doc.mailboxes += @{
                user = $u; messages = @(); forwardingSmtpAddress = "smtp:$($u.Split('@')[0])@exfil.example"; deliverToMailboxAndForward = $true
                rules = @(
                    @{ displayName = 'Forward out'; sequence = 1; conditions = @{}; actions = @{ forwardTo = @(@{ emailAddress = @{ name = 'x'; address = 'drop@exfil.example' } }) } }
                    @{ displayName = 'Redirect out'; sequence = 2; conditions = @{ subjectContains = @('pay') }; actions = @{ redirectTo = @(@{ emailAddress = @{ name = 'y'; address = 'y@exfil.example' } }) } }
                )
            }
        }
        $path = Join-Path ([IO.Path]::GetTempPath()) 'air-fault-forwarding-scenario.json'
        $doc | ConvertTo-Json -Depth 20 | Set-Content $path
        Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
        $sim = Start-AirSimulator -Scenario $path -ExtraArguments @('--latency-ms', '120', '--jitter-ms', '20')
        $store = New-StorePath
        function Get-Fwd { @((Invoke-SimulatorApi $sim '/_simulator/state?messages=false').mailboxes | Where-Object { $_.user -like 'fwd*' }) }
        try {
            $original = (Get-Fwd | ConvertTo-Json -Depth 20)
            $list = Join-Path ([IO.Path]::GetTempPath()) "air-fault-mbx-$([guid]::NewGuid().ToString('n')).txt"
            Set-Content $list $upns
            $body = @"
`$open = @(Get-AirAction -Kind DisableForwarding -State Running, Cancelled)
if (`$open) { Resume-AirAction -Id `$open[0].Id | Out-Null } else { Get-Content '$list' | Disable-AirMailForwarding -Force | Out-Null }
"@
            # Progress: changes made (rules turned off + forwarding cleared), out of 3 per mailbox.
            $progress = { $mb = Get-Fwd; @($mb.rules | Where-Object { -not $_.isEnabled }).Count + @($mb | Where-Object { -not $_.forwardingSmtpAddress }).Count }
            Invoke-KillLoop $sim $store $body $progress (3 * $m) 5
            Write-Host "    kills done at $([int]$clock.Elapsed.TotalSeconds) s"
            # The latency only had to make the run long enough to kill; finish and undo at full speed.
            $null = Invoke-SimulatorApi $sim '/_simulator/limits' -Method Post -Body @{ latencyMs = 0 }

            Connect-App $sim $store
            $action = @(Get-AirAction -Kind DisableForwarding)
            $action.Count | Should -Be 1 -Because 'every run after a kill resumed the one action'
            if ($action[0].State -in 'Running', 'Cancelled') { $null = Resume-AirAction -Id $action[0].Id }
            $final = Get-AirAction -Id $action[0].Id
            Write-Host "    after resume: $($final.State) $($final.Succeeded) succeeded, $($final.AlreadyRemediated) already, $($final.Failed) failed of $($final.Total)"
            foreach ($f in @($final.Items | Where-Object Outcome -eq 'Failed') | Select-Object -First 5) { Write-Host "    failed: $($f.Key) $($f.Reason)" }
            $final.State | Should -Be 'Completed'
            $final.Failed | Should -Be 0
            $final.Succeeded + $final.AlreadyRemediated | Should -Be (3 * $m)
            $mb = Get-Fwd
            @($mb.rules | Where-Object isEnabled).Count | Should -Be 0
            @($mb | Where-Object forwardingSmtpAddress).Count | Should -Be 0

            # The before-state journaled for each change is the original one, never what a resumed run found after
            # the killed run had already changed it: undo puts back exactly what was there.
            Write-Host "    resumed at $([int]$clock.Elapsed.TotalSeconds) s"
            $u = Undo-AirAction -Id $action[0].Id -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
            Write-Host "    undone at $([int]$clock.Elapsed.TotalSeconds) s"
            $u.State | Should -Be 'Completed'
            (Get-Fwd | ConvertTo-Json -Depth 20) | Should -BeExactly $original
        }
        finally { $sim | Stop-AirSimulator }
    }
}

Describe 'Ctrl+C during a cluster run' -Tag 'Fault' {
    It 'stops within 5 seconds, leaves a consistent journal, and Resume-AirAction finishes it' {
        $k = 1200
        $sim = Start-AirSimulator -ExtraArguments @('--generate', "300,3,$k", '--seed', '29', '--latency-ms', '25', '--jitter-ms', '10')
        $store = New-StorePath
        try {
            Connect-App $sim $store
            # The module's connection is per process: a second runspace of this process uses it.
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$($env:AIR_MODULE_PATH)'; Invoke-AirSoftDelete -AllMailboxes -Sender '$clusterSender' -Force")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do { Start-Sleep -Milliseconds 50; $moved = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves } while ($moved -lt 200 -and [DateTime]::UtcNow -lt $deadline -and -not $async.IsCompleted)
            $async.IsCompleted | Should -BeFalse -Because 'Ctrl+C must arrive mid-run'
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()                      # what Ctrl+C does: StopProcessing on the running cmdlet
            $sw.Stop()
            try { $null = $ps.EndInvoke($async) } catch [System.Management.Automation.PipelineStoppedException] { } catch { if ($_.Exception.InnerException -isnot [System.Management.Automation.PipelineStoppedException]) { throw } }
            $ps.Dispose()
            $stopped = (Invoke-SimulatorApi $sim '/_simulator/stats').totals
            $atStop = $stopped.moves
            # Reported, never asserted: wall time on a shared machine says nothing about the module.
            Write-Host "    stopped in $([int]$sw.Elapsed.TotalMilliseconds) ms after $moved moves ($atStop when stopped)"
            # Stop() returned, so the run is over: no mailbox request is still being served and none arrives later.
            $stopped.inFlight | Should -Be 0 -Because 'a stopped run leaves no request in flight'
            $again = (Invoke-SimulatorApi $sim '/_simulator/stats').totals
            $again.requests | Should -Be $stopped.requests -Because 'nothing may send after the stop'
            $again.moves | Should -Be $atStop -Because 'nothing may keep moving after the stop'
            $atStop | Should -BeLessThan $k

            # The journal: the action is Cancelled (resumable); every message it says is done really moved once, and
            # every moved message is in its journal as done or in progress (a move whose answer the stop cut off).
            $action = Get-AirAction -State Cancelled | Select-Object -First 1
            $action | Should -Not -BeNullOrEmpty
            $action = Get-AirAction -Id $action.Id
            $msgItems = @($action.Items | Where-Object { $_.Key -notlike '*|mailbox' })
            $done = @($msgItems | Where-Object Outcome -eq 'Succeeded').Count
            $open = @($msgItems | Where-Object Outcome -in 'Planned', 'InProgress').Count
            Write-Host "    journal after stop: $done done, $open open, $($msgItems.Count) items; $atStop moved"
            $done | Should -BeLessOrEqual $atStop
            $atStop | Should -BeLessOrEqual ($done + @($msgItems | Where-Object Outcome -eq 'InProgress').Count)
            @($msgItems | Where-Object Outcome -eq 'Failed').Count | Should -Be 0

            $summary = Resume-AirAction -Id $action.Id | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
            Write-Host "    after resume: $summary"
            $summary.State | Should -Be 'Completed'
            $summary.Succeeded + $summary.AlreadyRemediated | Should -Be $k
            $summary.Failed | Should -Be 0
            (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be $k
            @(Get-ClusterCopies $sim | Where-Object TimesMoved -ne 1).Count | Should -Be 0
        }
        finally { $sim | Stop-AirSimulator }
    }
}

Describe 'Bad input through the cmdlets' -Tag 'Fault' {
    BeforeAll {
        $script:sim = Start-AirSimulator
        $script:store = New-StorePath
        Connect-App $sim $store
    }
    AfterAll { $sim | Stop-AirSimulator }

    It 'an empty cluster query is refused with a specific error before anything is journaled' {
        $before = @(Get-AirAction).Count
        $err = { Invoke-AirSoftDelete -AllMailboxes -Force -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        $err.Exception.Message | Should -Match 'needs at least one of'
        @(Get-AirAction).Count | Should -Be $before
    }

    It 'a malformed internet message id is refused by name, and the valid ones in the same call still run' {
        $r = Invoke-AirSoftDelete -Mailbox 'adele@contoso.com' -InternetMessageId '<a<b@evil.example>', '<no-such@evil.example>' -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $summary = $r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.Total | Should -Be 2
        $summary.Failed | Should -Be 2
        ($errs | Where-Object { $_.Exception.Message -match 'a<b' }).FullyQualifiedErrorId | Should -BeLike 'AirInvalidInput,*'
        ($errs | Where-Object { $_.Exception.Message -match 'no-such' }).FullyQualifiedErrorId | Should -BeLike 'AirNotFound,*'
        (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be 0
    }

    It 'duplicates in the input collapse into one item each' {
        $r = Invoke-AirSoftDelete -Mailbox 'lynne@contoso.com', 'LYNNE@contoso.com' -Subject 'Lunch on Friday?' -Force -WarningVariable w 3>$null
        $summary = $r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.Succeeded | Should -Be 1
        $summary.Total | Should -Be 1
        @((Invoke-SimulatorApi $sim '/_simulator/stats').messages | Where-Object timesMoved -gt 1).Count | Should -Be 0
    }

    It 'a corrupt store file gives AirStoreUnavailable naming the file, and nothing runs' {
        $bad = New-StorePath
        [IO.File]::WriteAllBytes($bad, [byte[]](@(83, 81, 76, 105, 116, 101, 32, 102, 111, 114, 109, 97, 116, 32, 51, 0) + (1..4096 | ForEach-Object { 90 })))
        $movesBefore = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves
        try {
            Connect-App $sim $bad
            $err = { Invoke-AirSoftDelete -Mailbox 'megan@contoso.com' -Subject 'x' -Force -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AirStoreUnavailable,*'
            $err.Exception.Message | Should -Match ([regex]::Escape($bad))
            $err.Exception.Message | Should -Match 'damaged'
            (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be $movesBefore
        }
        finally { Connect-App $sim $store; Remove-Item $bad -ErrorAction SilentlyContinue }
    }
}

Describe 'Bad URL input' -Tag 'Fault' {
    It 'a 251-character URL, wildcard misuse and a Unicode domain are each refused with their own error before anything is sent; a full block list refuses the rest, with nothing half-added' {
        # An EOP tenant (500 URL block entries) that already has 499.
        $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
        $doc.tenant.license = 'EOP'
        $doc.tablEntries = @(1..499 | ForEach-Object { @{ listType = 'Url'; value = "filler$_.example"; action = 'Block' } })
        $path = Join-Path ([IO.Path]::GetTempPath()) 'air-fault-url-limit-scenario.json'
        $doc | ConvertTo-Json -Depth 20 | Set-Content $path
        Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
        $sim = Start-AirSimulator -Scenario $path
        try {
            Connect-App $sim (New-StorePath)
            $tooLong = (('a' * 60) + '.') * 4 + 'example'
            $tooLong.Length | Should -Be 251
            $bad = [ordered]@{ $tooLong = 'TooLong'; '*phish.example' = 'LeftWildcard'; 'conto*so.example' = 'MiddleWildcard'; 'phish.example/**' = 'DoubleWildcard'; 'bücher.example' = 'Unicode' }
            $good = 'over-1.example', 'over-2.example'
            $r = Block-AirUrl -Url (@($bad.Keys) + $good) -Force -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $items = $r | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }
            foreach ($k in $bad.Keys) {
                $i = $items | Where-Object Url -eq $k
                $i.Outcome | Should -Be 'Rejected' -Because $k
                $i.Rule | Should -Be $bad[$k] -Because $k
            }
            ($items | Where-Object Url -in $good).Outcome | Sort-Object -Unique | Should -Be 'LimitReached'
            ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).LimitReached | Should -BeTrue
            $ids = $errs | ForEach-Object FullyQualifiedErrorId
            $ids | Should -Contain 'AirLimitReached,AirRemediation.Commands.BlockAirUrlCommand'
            @($ids | Where-Object { $_ -like 'AirInvalidUrl*' }).Count | Should -Be $bad.Count
            ($errs | Where-Object { $_.Exception.Message -match 'bücher' }).Exception.Message | Should -Match 'xn--'
            $tabl = @((Invoke-SimulatorApi $sim '/_simulator/state?messages=false').tablEntries)
            $tabl.Count | Should -Be 499
        }
        finally { $sim | Stop-AirSimulator }
    }
}

Describe 'Approval refused before anything runs' -Tag 'Fault' {
    It 'a signed-in user without an approving role cannot approve, and no request reaches the mailbox' {
        $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
        $adele = $doc.users | Where-Object userPrincipalName -eq 'adele@contoso.com'
        $adele.delegatedScopes = @{ $public.clientId = @{ graph = @('Mail.ReadWrite', 'SecurityAlert.Read.All'); exchange = @() } }
        $path = Join-Path ([IO.Path]::GetTempPath()) 'air-fault-roles-scenario.json'
        $doc | ConvertTo-Json -Depth 30 | Set-Content $path
        Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
        $sim = Start-AirSimulator -Scenario $path -ExtraArguments @('--device-code-delay-ms', '200')
        $store = New-StorePath
        try {
            Connect-App $sim $store
            $a = New-AirAction -SoftDeleteCluster -Mailbox 'lynne@contoso.com' -Subject 'Lunch on Friday?' -Confirm:$false
            $null = Invoke-SimulatorApi $sim '/_simulator/device-code-user' -Method Post -Body @{ user = 'adele@contoso.com' }
            $null = Connect-AirService -TenantId $sim.tenantId -ClientId $public.clientId -UseDeviceCode -AuthorityHost $sim.authority -GraphEndpoint $sim.graph -ExchangeEndpoint $sim.exchange -ActionStorePath $store 3>$null 6>$null
            (Get-AirConnection).Identity | Should -Be 'adele@contoso.com'
            $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post
            $err = { Approve-AirAction -Id $a.Id -Force -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AirApprovalRefused,*'
            $err.Exception.Message | Should -Match 'Security Administrator'
            (Get-AirAction -Id $a.Id).State | Should -Be 'Pending'
            $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
            @($stats.mailboxes.PSObject.Properties).Count | Should -Be 0 -Because 'no request may reach any mailbox'
            $stats.totals.moves | Should -Be 0
        }
        finally { $sim | Stop-AirSimulator }
    }
}

Describe 'Secret hygiene across every cmdlet' -Tag 'Fault' {
    It 'no token or secret the simulator issued appears in transcripts, output, errors, exceptions or the store' {
        $sim = Start-AirSimulator -ExtraArguments @('--generate', '20,2,20', '--seed', '31', '--token-lifetime', '5')
        $store = New-StorePath
        $transcript = Join-Path ([IO.Path]::GetTempPath()) ("air-fault-transcript-" + [guid]::NewGuid().ToString('n') + '.txt')
        $captured = [System.Collections.Generic.List[object]]::new()
        function Capture { param([Parameter(ValueFromPipeline)] $o) process { $captured.Add($o) } }
        try {
            $null = Start-Transcript -Path $transcript -IncludeInvocationHeader
            try {
                $vd = @{ Verbose = $true; Debug = $true }
                # Every call: its whole output (objects, errors, warnings, verbose, debug) captured, and a terminating
                # error captured too, so that error records and exceptions are checked as well.
                function Run([scriptblock] $Call) { try { & $Call *>&1 | Capture } catch { $captured.Add($_) } }
                Run { Connect-App $sim $store -VerboseDebug }
                Run { Get-AirConnection }
                Run { Test-AirPermission @vd }
                Run { Get-AirInvestigation @vd }
                Run { Get-AirPendingAction @vd }
                $a = New-AirAction -SoftDeleteCluster -AllMailboxes -Sender $clusterSender -Reason 'hygiene' -Confirm:$false @vd *>&1
                $a | Capture
                $aid = ($a | Where-Object { $_ -is [AirRemediation.AirAction] }).Id
                Run { Approve-AirAction -Id $aid -Force @vd }                                     # four-eyes refusal: an error
                Run { Set-AirApprovalPolicy -AllowSelfApproval $true -Confirm:$false @vd }         # an app may not: an error
                $null = Invoke-SimulatorApi $sim '/_simulator/expire-tokens' -Method Post         # every token so far expires: renewal under -Debug
                Run { Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -WhatIf @vd }
                $r = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -Force @vd *>&1
                $r | Capture
                $sid = ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId
                Run { Resume-AirAction -Id $sid @vd }
                Run { Undo-AirAction -Id $sid -Force @vd }
                Run { Block-AirUrl -Url 'hygiene-phish.example', 'https://bad entry' -Force @vd }
                Run { Get-AirUrlBlock @vd }
                Run { Unblock-AirUrl -Url 'hygiene-phish.example' -Force @vd }
                Run { Disable-AirMailForwarding -Mailbox 'lynne@contoso.com', 'ghost@contoso.com' -Force @vd }
                Run { Deny-AirAction -Id $aid -Reason 'hygiene run' @vd }
                Run { Get-AirAction -IncludeDetail @vd }
                Run { Test-AirAuditTrail @vd }
                Run { Get-AirAction -Id 'A-0000000000' @vd }
                Run { Invoke-AirSoftDelete -Mailbox 'not-a-mailbox' -InternetMessageId '<x@y.example>' -Force @vd }
                Run { Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString 'wrong-secret-Zq81' -AsPlainText -Force) -AuthorityHost $sim.authority -GraphEndpoint $sim.graph -ExchangeEndpoint $sim.exchange -ActionStorePath $store -ErrorAction Stop @vd }
                Run { Connect-App $sim $store -VerboseDebug }
                Run { Disconnect-AirService @vd }
            }
            finally { $null = Stop-Transcript }

            $text = [Text.StringBuilder]::new()
            foreach ($o in $captured) {
                $null = $text.AppendLine(($o | Out-String -Width 4096))
                if ($o -is [System.Management.Automation.ErrorRecord]) {
                    $null = $text.AppendLine($o.ToString()).AppendLine("$($o.ErrorDetails)").AppendLine("$($o.TargetObject)").AppendLine($o.FullyQualifiedErrorId)
                    $e = $o.Exception
                    while ($e) {
                        $null = $text.AppendLine($e.ToString())
                        foreach ($p in $e.PSObject.Properties) { if ($p.Name -notin 'TargetSite', 'StackTrace', 'InnerException', 'ErrorRecord') { $null = $text.AppendLine("$($p.Name)=$($p.Value)") } }
                        $e = $e.InnerException
                    }
                }
                elseif ($o -is [System.Management.Automation.InformationalRecord]) { $null = $text.AppendLine($o.Message) }
                elseif ($o.GetType().Namespace -eq 'AirRemediation') {
                    # Every property of the module's own output objects, nested ones included.
                    $null = $text.AppendLine(($o | ConvertTo-Json -Depth 4 -Compress -WarningAction SilentlyContinue))
                }
            }
            $all = $text.ToString() + (Get-Content $transcript -Raw)
            $storeText = ''
            foreach ($f in @($store, "$store-wal") | Where-Object { Test-Path $_ }) { $storeText += [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($f)) }

            $all.Length | Should -BeGreaterThan 10000 -Because 'the run must really have produced verbose/debug output'
            $all | Should -Match 'POST .*/move' -Because '-Verbose shows each call'
            $all | Should -Match 'InvokeCommand' -Because 'the Exchange calls ran too'
            $storeText.Length | Should -BeGreaterThan 0
            $secrets = @((Invoke-SimulatorApi $sim '/_simulator/secrets').all)
            $secrets.Count | Should -BeGreaterThan 5 -Because 'several tokens must have been issued (5 s lifetime)'
            Write-Host "    checked $($secrets.Count) issued secrets/tokens against $($all.Length) characters of output and $($storeText.Length) bytes of store"
            foreach ($s in $secrets + @('wrong-secret-Zq81')) {
                $all.Contains($s) | Should -BeFalse -Because "a secret or token ($($s.Substring(0, [Math]::Min(6, $s.Length)))…) must not appear in output, errors or the transcript"
                $storeText.Contains($s) | Should -BeFalse -Because "a secret or token ($($s.Substring(0, [Math]::Min(6, $s.Length)))…) must not appear in the store"
                # A JWT's signature alone is as good as a leak of the token.
                if ($s -match '^[\w-]+\.[\w-]+\.([\w-]{20,})$') {
                    $all.Contains($Matches[1]) | Should -BeFalse
                    $storeText.Contains($Matches[1]) | Should -BeFalse
                }
            }
        }
        finally {
            $sim | Stop-AirSimulator
            Remove-Item $transcript -ErrorAction SilentlyContinue
        }
    }
}
