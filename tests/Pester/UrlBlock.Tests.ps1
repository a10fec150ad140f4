# Block-AirUrl, Get-AirUrlBlock, Unblock-AirUrl and their undo against the simulator (issue 5).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'

    function script:Connect-To($Sim) {
        $store = Join-Path ([IO.Path]::GetTempPath()) ("air-url-" + [guid]::NewGuid().ToString('n') + '.db')
        $null = Connect-AirService -TenantId $Sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) `
            -AuthorityHost $Sim.authority -GraphEndpoint $Sim.graph -ExchangeEndpoint $Sim.exchange -ActionStorePath $store
    }
    function script:Get-StateText($Sim) { (Invoke-WebRequest -Uri "$($Sim.http)/_simulator/state?messages=false").Content }
    function script:Get-Tabl($Sim) { (Invoke-SimulatorApi $Sim '/_simulator/state?messages=false').tablEntries }

    # Entries drawn from Microsoft's URL syntax rules (defender-docs tenant-allow-block-list-urls-configure.md).
    $script:validEntries = @(
        'phish-landing.example'          # plain domain: also blocks subdomains and paths
        '*.evil-cdn.example'             # left wildcard followed by a period (blocks only)
        'evil.example/login/*'           # right wildcard after a slash
        '*.evil2.example/*'              # left and right wildcard
        '~typosquat.example'             # left tilde: domain and all subdomains
        '~wide.example~'                 # left and right tilde
        '203.0.113.50'                   # IPv4
        '2001:db8::bad'                  # IPv6
        '198.51.100.7/*'                 # IP address with a right wildcard path
        '*.xyz/*'                        # top-level domain blocking
        'xn--bcher-kva.example'          # Punycode
        't.co'                           # shortest hostname: one character, a period, two characters
        'fabrikam-payments.example/pay'  # a path
    )
    $script:invalidEntries = [ordered]@{
        'https://phish.example/login'  = 'Scheme'
        'phish.example:8080'           = 'Port'
        'user:pw@phish.example'        = 'Credentials'
        '"phish.example"'              = 'Quotes'
        'bücher.example'               = 'Unicode'
        'intranet'                     = 'HostnamePeriod'
        '*phish.example'               = 'LeftWildcard'
        'phish.example*'               = 'RightWildcard'
        'phish.example/ab*'            = 'RightWildcard'
        'conto*so.example'             = 'MiddleWildcard'
        'phish.example/**'             = 'DoubleWildcard'
        '*'                            = 'WildcardOnly'
        '*1.2.3.4'                     = 'WildcardInIpAddress'
        'conto~so.example'             = 'Tilde'
        'phish.example/invoice.pdf'    = 'FileExtension'
        ((('a' * 60) + '.') * 4 + 'example') = 'TooLong'
    }
}
AfterAll { Disconnect-AirService }

Describe 'Block-AirUrl with a table of valid and invalid entries' {
    BeforeAll {
        $script:sim = Start-AirSimulator
        Connect-To $sim
        $script:before = Get-Tabl $sim
    }
    AfterAll { $sim | Stop-AirSimulator }

    It '-WhatIf changes nothing (the simulator state is byte-for-byte the same)' {
        $stateBefore = Get-StateText $sim
        $out = Block-AirUrl -Url $validEntries -WhatIf -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        Get-StateText $sim | Should -BeExactly $stateBefore
    }

    It 'blocks every valid entry and rejects each invalid one with its own reason, before anything is sent' {
        $all = @($validEntries) + @($invalidEntries.Keys)
        $results = $all | Block-AirUrl -Note 'INC-1042' -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $items = $results | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }
        $summary = $results | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
        $all.Count | Should -BeGreaterOrEqual 20
        $items.Count | Should -Be $all.Count

        foreach ($v in $validEntries) {
            $r = $items | Where-Object Url -eq $v
            $r.Outcome | Should -Be 'Blocked' -Because $v
            $r.Id | Should -Not -BeNullOrEmpty
            # Microsoft's default: 30 days.
            $r.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddDays(29))
            $r.ExpiresOn | Should -BeLessThan ([DateTimeOffset]::UtcNow.AddDays(31))
        }
        foreach ($entry in $invalidEntries.Keys) {
            $r = $items | Where-Object Url -eq $entry
            $r.Outcome | Should -Be 'Rejected' -Because $entry
            $r.Rule | Should -Be $invalidEntries[$entry] -Because $entry
            $r.Reason | Should -Not -BeNullOrEmpty
        }
        # Every rejected entry has its own reason, and an error record with a rule-specific ErrorId.
        ($items | Where-Object Outcome -eq 'Rejected' | Group-Object Rule | ForEach-Object { $_.Group[0].Reason } | Sort-Object -Unique).Count |
            Should -Be ($invalidEntries.Values | Sort-Object -Unique).Count
        $errs.Count | Should -Be $invalidEntries.Count
        $errs.FullyQualifiedErrorId | Should -Contain 'AirInvalidUrlScheme,AirRemediation.Commands.BlockAirUrlCommand'
        $errs.FullyQualifiedErrorId | Should -Contain 'AirInvalidUrlFileExtension,AirRemediation.Commands.BlockAirUrlCommand'

        $summary.Succeeded | Should -Be $validEntries.Count
        $summary.Failed | Should -Be $invalidEntries.Count
        $summary.State | Should -Be 'PartiallyCompleted'

        $tabl = Get-Tabl $sim
        $tabl.Count | Should -Be ($before.Count + $validEntries.Count)
        foreach ($v in $validEntries) { ($tabl | Where-Object value -eq $v).notes | Should -Be 'INC-1042' }
        foreach ($entry in $invalidEntries.Keys) { $tabl.value | Should -Not -Contain $entry }
        # Nothing invalid reached the service: only valid values were ever sent.
        $stats = Invoke-SimulatorApi $sim '/_simulator/stats'
        $stats | Should -Not -BeNullOrEmpty
    }

    It 'a second run reports AlreadyBlocked and changes nothing' {
        $stateBefore = Get-TabL $sim | ConvertTo-Json -Depth 5
        $results = Block-AirUrl -Url $validEntries -Force
        $items = $results | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }
        $items.Outcome | Sort-Object -Unique | Should -Be 'AlreadyBlocked'
        ($results | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).AlreadyRemediated | Should -Be $validEntries.Count
        Get-Tabl $sim | ConvertTo-Json -Depth 5 | Should -Be $stateBefore
    }

    It 'Get-AirUrlBlock shows every entry with its expiry, and filters by value and expiry' {
        $entries = Get-AirUrlBlock
        foreach ($v in $validEntries) {
            $e = $entries | Where-Object Url -eq $v
            $e | Should -HaveCount 1
            $e.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddDays(29))
            $e.Notes | Should -Be 'INC-1042'
        }
        (Get-AirUrlBlock -Url '*evil*').Url | Sort-Object | Should -Be (@('*.evil-cdn.example', '*.evil2.example/*', 'evil.example/login/*') | Sort-Object)
        # The scenario's old entry expires on 2026-12-20, ours in 30 days.
        (Get-AirUrlBlock -ExpiringBefore ([DateTime]::UtcNow.AddDays(29))).Url | Should -Not -Contain 't.co'
        Get-AirUrlBlock -NoExpiration | Should -BeNullOrEmpty
        ($entries | Format-Table | Out-String -Width 120) | Should -Match 'Expires'
    }

    It '-UpdateExpiry extends an existing entry, and undo restores the old expiry' {
        $old = (Get-AirUrlBlock -Url 't.co').ExpiresOn
        $r = Block-AirUrl -Url 't.co' -NoExpiration -UpdateExpiry -Force
        ($r | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Should -Be 'ExpiryUpdated'
        (Get-AirUrlBlock -NoExpiration).Url | Should -Be 't.co'
        $null = Undo-AirAction -Id ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId -Force
        $now = (Get-AirUrlBlock -Url 't.co').ExpiresOn
        [Math]::Abs(($now - $old).TotalSeconds) | Should -BeLessThan 1
    }

    It 'Unblock-AirUrl -WhatIf changes nothing' {
        $stateBefore = Get-StateText $sim
        Get-AirUrlBlock -Url '*evil*' | Unblock-AirUrl -WhatIf
        Unblock-AirUrl -Url 't.co' -WhatIf
        Get-StateText $sim | Should -BeExactly $stateBefore
    }

    It 'Unblock-AirUrl removes them, by pipeline from Get-AirUrlBlock and by value' {
        $piped = Get-AirUrlBlock -Url '*evil*' | Unblock-AirUrl -Force
        ($piped | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Sort-Object -Unique | Should -Be 'Unblocked'
        $rest = $validEntries | Where-Object { $_ -notlike '*evil*' }
        $byValue = Unblock-AirUrl -Url $rest -Force
        ($byValue | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Sort-Object -Unique | Should -Be 'Unblocked'
        $tabl = Get-Tabl $sim
        foreach ($v in $validEntries) { $tabl.value | Should -Not -Contain $v }
        $tabl.value | Should -Contain 'old-bad.example'
        # Unblocking again: nothing there any more.
        (Unblock-AirUrl -Url 't.co' -Force | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Should -Be 'NotBlocked'
        # An unknown id is a specific error.
        $null = Unblock-AirUrl -Id 'no-such-id' -Force -ErrorVariable idErr -ErrorAction SilentlyContinue
        $idErr[0].FullyQualifiedErrorId | Should -BeLike 'AirNotFound,*'
    }
}

Describe 'Undo of URL blocks' {
    BeforeAll {
        $script:sim = Start-AirSimulator
        Connect-To $sim
    }
    AfterAll { $sim | Stop-AirSimulator }

    It 'undo of a block removes exactly what it added, not entries that existed before' {
        $before = Get-Tabl $sim | ConvertTo-Json -Depth 5
        $r = Block-AirUrl -Url 'new-1.example', 'new-2.example', 'old-bad.example' -Force
        ($r | Where-Object Url -eq 'old-bad.example').Outcome | Should -Be 'AlreadyBlocked'
        $id = ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId
        $u = Undo-AirAction -Id $id -Force
        ($u | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Sort-Object -Unique | Should -Be 'Removed'
        ($u | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).Succeeded | Should -Be 2
        Get-Tabl $sim | ConvertTo-Json -Depth 5 | Should -Be $before
    }

    It 'undo of an unblock re-adds the entry with its original expiry and notes' {
        $original = (Get-Tabl $sim) | Where-Object value -eq 'old-bad.example'
        $r = Unblock-AirUrl -Url 'old-bad.example' -Force
        (Get-Tabl $sim).value | Should -Not -Contain 'old-bad.example'
        $u = Undo-AirAction -Id ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId -Force
        ($u | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Should -Be 'Restored'
        $back = (Get-Tabl $sim) | Where-Object value -eq 'old-bad.example'
        $back.notes | Should -Be $original.notes
        $back.expirationDate | Should -Be $original.expirationDate
    }
}

Describe 'The tenant entry limit' {
    BeforeAll {
        # An EOP tenant (500 block entries) that already has 499.
        $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
        $doc.tenant.license = 'EOP'
        $doc.tablEntries = @(1..499 | ForEach-Object { @{ listType = 'Url'; value = "filler$_.example"; action = 'Block' } })
        $path = Join-Path ([IO.Path]::GetTempPath()) 'air-url-limit-scenario.json'
        $doc | ConvertTo-Json -Depth 20 | Set-Content $path
        Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
        $script:sim = Start-AirSimulator -Scenario $path
        Connect-To $sim
    }
    AfterAll { $sim | Stop-AirSimulator }

    It 'reaching it is a clear AirLimitReached error per entry, and nothing is half-added' {
        $r = Block-AirUrl -Url 'over-1.example', 'over-2.example' -Force -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue
        ($r | Where-Object { $_ -is [AirRemediation.AirUrlBlockResult] }).Outcome | Sort-Object -Unique | Should -Be 'LimitReached'
        ($r | Where-Object { $_ -is [AirRemediation.AirRunSummary] }).LimitReached | Should -BeTrue
        $errs.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'AirLimitReached,AirRemediation.Commands.BlockAirUrlCommand'
        $errs[0].Exception.Message | Should -Match 'full'
        (Get-Tabl $sim).Count | Should -Be 499
    }
}

Describe 'Help pages of the issue-5 cmdlets' {
    It '<_> has docs/en-US/<_>.md in the structure the MAML converter reads' -ForEach @('Block-AirUrl', 'Get-AirUrlBlock', 'Unblock-AirUrl', 'Disable-AirMailForwarding') {
        $path = Join-Path $PSScriptRoot "../../docs/en-US/$_.md"
        Test-Path $path | Should -BeTrue
        $text = Get-Content $path -Raw
        $text | Should -Match "(?m)\A# $_\r?$"
        foreach ($section in 'SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLES', 'OUTPUTS', 'NOTES') { $text | Should -Match "(?m)^## $section\r?$" }
        ([regex]::Matches($text, '(?m)^### Example \d+')).Count | Should -BeGreaterOrEqual 2
        ([regex]::Matches($text, '(?ms)^### Example \d+\r?\n```powershell\r?\n.+?```\r?\n\S')).Count | Should -BeGreaterOrEqual 2
        $text | Should -Match '(?i)runbook'
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($p in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common -or $_ -in 'WhatIf', 'Confirm' }) {
            $text | Should -Match "(?ms)^### -$p\r?\n\S" -Because "-$p needs a described subsection"
        }
    }
}
