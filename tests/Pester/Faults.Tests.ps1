# Issue 10, the fault and abuse suite, for what only the published module in a real pwsh can show: kill -9 and
# resume, Ctrl+C (StopProcessing) and resume, bad input through the cmdlets, an approver without the role, and
# secret hygiene across every cmdlet with -Verbose -Debug under Start-Transcript.
# The Engine-level items (storms, app-wide throttling, $batch, mixed faults, token expiry, 403, concurrent runs)
# are xunit tests in tests/AirRemediation.Engine.Tests/Faults. docs/RELIABILITY.md maps each promise to its test.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:public = $scenario.apps | Where-Object publicClient
    $script:clusterSender = 'billing@contoso-invoices.example'
    $script:long = $env:AIR_LONG_FAULTS -eq '1'

    function script:New-StorePath { Join-Path ([IO.Path]::GetTempPath()) ("air-fault-" + [guid]::NewGuid().ToString('n') + '.db') }

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
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -TenantId '$($Sim.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($Sim.authority)' -GraphEndpoint '$($Sim.graph)' -ExchangeEndpoint '$($Sim.exchange)' -ActionStorePath '$Store'
Invoke-AirSoftDelete -AllMailboxes -Sender '$clusterSender' -Force | Out-Null
"@
        $file = Join-Path ([IO.Path]::GetTempPath()) "air-fault-kill-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content $file $script
        $exe = [Environment]::ProcessPath
        $argList = if ((Split-Path $exe -Leaf) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-File', $file) } else { @('-NoProfile', '-File', $file) }
        Start-Process -FilePath $exe -ArgumentList $argList -PassThru -RedirectStandardOutput ([IO.Path]::GetTempFileName()) -RedirectStandardError ([IO.Path]::GetTempFileName())
    }
}
AfterAll { Disconnect-AirService }

Describe 'kill -9 at random points during a cluster soft delete' -Tag 'Fault' {
    It 'resumes after each of <Kills> kills with every message moved exactly once and exact counts' -ForEach @(@{ Kills = $(if ($env:AIR_LONG_FAULTS -eq '1') { 12 } else { 5 }) }) {
        $k = if ($long) { 4000 } else { 1200 }
        $sim = Start-AirSimulator -ExtraArguments @('--generate', "$($k / 4),3,$k", '--seed', '23', '--latency-ms', '25', '--jitter-ms', '10')
        $store = New-StorePath
        try {
            $seed = Get-Random -Maximum 100000
            $rng = [Random]::new($seed)
            $points = @()
            $moved = 0
            for ($i = 1; $i -le $Kills; $i++) {
                # A random number of further moves before the kill: sometimes in the scan, sometimes mid-move, sometimes
                # right after a resume started (when the previous run's open items are being verified).
                $target = $moved + $rng.Next(0, [int](($k - $moved) / ($Kills - $i + 3)))
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
            # pwsh 7.6: EndInvoke of a stopped pipeline throws PipelineStoppedException (wrapped); that is the stop working.
            try { $out = @($ps.EndInvoke($async)) }
            catch [System.Management.Automation.MethodInvocationException] {
                if ($_.Exception.InnerException -isnot [System.Management.Automation.PipelineStoppedException]) { throw }
                $out = @()
            }
            $ps.Dispose()
            $atStop = (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves
            Write-Host "    stopped in $([int]$sw.Elapsed.TotalMilliseconds) ms after $moved moves ($atStop when stopped)"
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
            Start-Sleep -Milliseconds 500
            (Invoke-SimulatorApi $sim '/_simulator/stats').totals.moves | Should -Be $atStop -Because 'nothing may keep moving after the stop'
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
            $a = New-AirAction -Kind SoftDeleteCluster -Mailbox 'lynne@contoso.com' -Subject 'Lunch on Friday?' -Confirm:$false
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
                Connect-App $sim $store -VerboseDebug | Capture
                Get-AirConnection | Capture
                Test-AirPermission @vd *>&1 | Capture
                Get-AirInvestigation @vd *>&1 | Capture
                Get-AirPendingAction @vd *>&1 | Capture
                $a = New-AirAction -Kind SoftDeleteCluster -AllMailboxes -Sender $clusterSender -Reason 'hygiene' -Confirm:$false @vd *>&1
                $a | Capture
                $aid = ($a | Where-Object { $_ -is [AirRemediation.AirAction] }).Id
                Approve-AirAction -Id $aid -Force -ErrorAction Continue @vd *>&1 | Capture          # four-eyes refusal: an error record
                Set-AirApprovalPolicy -AllowSelfApproval $true -Confirm:$false -ErrorAction Continue @vd *>&1 | Capture
                Start-Sleep -Seconds 6                                                             # let the 5 s tokens expire: renewal under -Debug
                Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -WhatIf @vd *>&1 | Capture
                $r = Invoke-AirSoftDelete -AllMailboxes -Sender $clusterSender -Force @vd *>&1
                $r | Capture
                $sid = ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId
                Resume-AirAction -Id $sid -ErrorAction Continue @vd *>&1 | Capture
                Undo-AirAction -Id $sid -Force @vd *>&1 | Capture
                Deny-AirAction -Id $aid -Reason 'hygiene run' -ErrorAction Continue @vd *>&1 | Capture
                Get-AirAction -IncludeDetail @vd *>&1 | Capture
                Test-AirAuditTrail @vd *>&1 | Capture
                Get-AirAction -Id 'A-0000000000' -ErrorAction Continue @vd *>&1 | Capture
                Invoke-AirSoftDelete -Mailbox 'not-a-mailbox' -InternetMessageId '<x@y.example>' -Force -ErrorAction Continue @vd *>&1 | Capture
                try {
                    Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString 'wrong-secret-Zq81' -AsPlainText -Force) -AuthorityHost $sim.authority -GraphEndpoint $sim.graph -ExchangeEndpoint $sim.exchange -ActionStorePath $store -ErrorAction Stop @vd *>&1 | Capture
                }
                catch { $captured.Add($_) }
                Disconnect-AirService @vd *>&1 | Capture
            }
            finally { $null = Stop-Transcript }

            $text = [Text.StringBuilder]::new()
            foreach ($o in $captured) {
                $null = $text.AppendLine(($o | Out-String -Width 4096))
                $null = $text.AppendLine(($o | Format-List * -Force | Out-String -Width 4096))
                if ($o -is [System.Management.Automation.ErrorRecord]) {
                    $null = $text.AppendLine($o.ToString()).AppendLine("$($o.ErrorDetails)").AppendLine("$($o.TargetObject)").AppendLine($o.ScriptStackTrace)
                    $e = $o.Exception
                    while ($e) { $null = $text.AppendLine($e.ToString()); $null = $text.AppendLine(($e | Format-List * -Force | Out-String -Width 4096)); $e = $e.InnerException }
                }
                elseif ($o -isnot [string]) { try { $null = $text.AppendLine(($o | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue)) } catch { } }
            }
            foreach ($e in $Error) { $null = $text.AppendLine("$e"); $x = $e.Exception; while ($x) { $null = $text.AppendLine($x.ToString()); $x = $x.InnerException } }
            $all = $text.ToString() + (Get-Content $transcript -Raw)
            $storeText = ''
            foreach ($f in @($store, "$store-wal") | Where-Object { Test-Path $_ }) { $storeText += [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($f)) }

            $all.Length | Should -BeGreaterThan 10000 -Because 'the run must really have produced verbose/debug output'
            $all | Should -Match 'POST .*/move' -Because '-Verbose shows each call'
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
