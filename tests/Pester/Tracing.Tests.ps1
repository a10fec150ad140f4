# -Verbose and -Debug tracing (issue 9): a cluster soft delete against the simulator shows one line per HTTP call
# (method, path, status, milliseconds, retry number), -Debug adds the request ids, and no token or secret the
# simulator ever issued appears anywhere in the traced text.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:sim = Start-AirSimulator
    $script:app = (Get-AirScenario).apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:store = Join-Path ([IO.Path]::GetTempPath()) ("air-tracing-" + [guid]::NewGuid().ToString('n') + '.db')
    $script:lineFormat = '^HTTP (GET|POST|PATCH|PUT|DELETE) (/\S.*) -> (\d{3}|timeout/cancelled|connection failed) \((\d+) ms, retry (\d+)\)$'
    $script:sender = 'billing@fabrikam-payments.example'

    function script:Get-Messages($Records, [type] $Type) { @($Records | Where-Object { $_ -is $Type } | ForEach-Object Message) }

    # Sign in inside the trace, so the token request is part of the text searched for secrets.
    $script:connectRecords = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId `
        -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) -AuthorityHost $sim.authority `
        -GraphEndpoint $sim.graph -ExchangeEndpoint $sim.exchange -ActionStorePath $store -Verbose -Debug 4>&1 5>&1

    $null = Invoke-SimulatorApi $sim '/_simulator/reset-stats' -Method Post
    # Megan's mailbox is throttled for three seconds (429 with Retry-After: 1), so the trace must show retries.
    $null = Invoke-SimulatorApi $sim '/_simulator/faults' -Method Post -Body @{
        storms = @(@{ mailboxes = @('megan@contoso.com'); retryAfterSeconds = 1; durationSeconds = 3 })
    }
    $script:runRecords = Invoke-AirSoftDelete -AllMailboxes -Sender $sender -Force -Verbose -Debug 4>&1 5>&1
    $script:stats = Invoke-SimulatorApi $sim '/_simulator/stats'
    $null = Invoke-SimulatorApi $sim '/_simulator/faults' -Method Post -Body @{ storms = @() }

    $script:verbose = Get-Messages $runRecords ([System.Management.Automation.VerboseRecord])
    $script:debug = Get-Messages $runRecords ([System.Management.Automation.DebugRecord])
    $script:httpLines = @($verbose | Where-Object { $_ -like 'HTTP *' })
    # Mail calls name a mailbox by its user's object id (an SMTP address is not a Graph key), so lines are matched by id.
    $script:userId = @{}
    foreach ($u in (Invoke-SimulatorApi $sim '/_simulator/state?messages=false').users) { $userId[$u.userPrincipalName] = $u.id }
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
}

Describe 'Tracing of a cluster soft delete' -Tag Tracing {
    It 'soft deleted the cluster (the trace is of a real run)' {
        $summary = $runRecords | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $summary.Succeeded | Should -Be 3
        $stats.totals.moves | Should -Be 3
    }

    It '-Verbose shows one line per HTTP call, each with method, path, status, milliseconds and retry number' {
        $httpLines.Count | Should -BeGreaterThan 0
        foreach ($line in $httpLines) { $line | Should -Match $lineFormat }
        $httpLines.Count | Should -Be $stats.totals.requests -Because 'every request the simulator answered must have exactly one line'
        @($httpLines | Where-Object { $_ -match '^HTTP GET /v1\.0/users\?' }).Count | Should -Be 1
        @($httpLines | Where-Object { $_ -match '^HTTP POST /v1\.0/users/[0-9a-f-]{36}/messages/\S+/move -> 201 ' }).Count | Should -Be 3
        @($httpLines | Where-Object { $_ -match '^HTTP \S+ /v1\.0/users/[^/?]+@' }).Count | Should -Be 0 -Because 'no call uses an address as a user key'
        $adele = "HTTP GET /v1.0/users/$($userId['adele@contoso.com'])/messages?"
        $query = "`$filter=from/emailAddress/address eq '$sender'"
        @($httpLines | Where-Object { $_.StartsWith($adele, [StringComparison]::Ordinal) -and $_.Contains($query, [StringComparison]::Ordinal) }).Count | Should -Be 1 -Because 'the path shows the query, decoded'
    }

    It 'shows throttled calls and their retries with the retry number' {
        $megan = @($httpLines | Where-Object { $_ -match "^HTTP GET /v1\.0/users/$($userId['megan@contoso.com'])/messages" })
        $megan.Count | Should -BeGreaterThan 1 -Because 'the storm must have forced at least one retry'
        $megan[0] | Should -Match '-> 429 \(\d+ ms, retry 0\)$'
        $megan[-1] | Should -Match '-> 200 \(\d+ ms, retry [1-9]\d*\)$'
        $stats.totals.throttled | Should -BeGreaterThan 0
    }

    It '-Debug adds the request id of every call' {
        $ids = @($debug | Where-Object { $_ -match '^HTTP \S+ /\S.* request-id [0-9a-f-]{36}$' })
        $ids.Count | Should -Be $httpLines.Count
        foreach ($line in $httpLines) {
            $prefix = ($line -replace ' -> .*$', '') + ' request-id '
            @($ids | Where-Object { $_.StartsWith($prefix, [StringComparison]::Ordinal) }).Count | Should -BeGreaterThan 0 -Because "'$line' needs its request id"
        }
    }

    It '-Verbose alone shows the calls but no request ids' {
        $records = Invoke-AirSoftDelete -AllMailboxes -Sender $sender -WhatIf -Verbose 4>&1 5>&1 6>$null
        $lines = Get-Messages $records ([System.Management.Automation.VerboseRecord])
        @($lines | Where-Object { $_ -like 'HTTP *' }).Count | Should -BeGreaterThan 0
        @($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count | Should -Be 0
        ($lines -join "`n") | Should -Not -Match 'request-id'
    }

    It 'no token or secret the simulator issued appears in the verbose or debug text' {
        $text = [System.Text.StringBuilder]::new()
        foreach ($r in @($connectRecords) + @($runRecords)) { $null = $text.AppendLine(($r | Out-String -Width 1000)) }
        $all = $text.ToString()
        $all | Should -Match 'HTTP POST /\S+/oauth2/v2\.0/token -> 200' -Because 'the token request itself must be traced'
        $secrets = @((Invoke-SimulatorApi $sim '/_simulator/secrets').all)
        $secrets.Count | Should -BeGreaterThan 1 -Because 'the simulator lists the client secret and the tokens it issued'
        foreach ($s in $secrets) {
            $all.Contains($s) | Should -BeFalse -Because "a secret or token ($($s.Substring(0, [Math]::Min(6, $s.Length)))…) must not appear"
        }
        $all | Should -Not -Match '(?i)bearer\s+ey|authorization:|client_secret='
    }
}
