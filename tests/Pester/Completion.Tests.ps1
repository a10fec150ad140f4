# Tab completion (issue 9): action ids for -Id of Resume-AirAction and Undo-AirAction, mailbox addresses for -Mailbox of
# Invoke-AirSoftDelete, both read from the connected session's action store after a real run against the simulator.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:sim = Start-AirSimulator
    $script:app = (Get-AirScenario).apps | Where-Object displayName -eq 'AirRemediation Automation'
    $script:store = Join-Path ([IO.Path]::GetTempPath()) ("air-completion-" + [guid]::NewGuid().ToString('n') + '.db')
    $script:emptyDir = Join-Path ([IO.Path]::GetTempPath()) ("air-completion-cwd-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $emptyDir | Out-Null

    function script:Complete([string] $Line) {
        # What PowerShell does on Tab at the end of the line. Run from an empty folder, so that PowerShell's fallback
        # (file names, when a completer offers nothing) cannot be mistaken for a suggestion.
        Push-Location $emptyDir
        try { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
        finally { Pop-Location }
    }

    $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) `
        -AuthorityHost $sim.authority -GraphEndpoint $sim.graph -ExchangeEndpoint $sim.exchange -ActionStorePath $store
    $script:first = (Invoke-AirSoftDelete -Mailbox adele@contoso.com -InternetMessageId '<weekly-42@contoso.com>' -Force |
        Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId
    $script:cluster = (Invoke-AirSoftDelete -AllMailboxes -Sender 'billing@fabrikam-payments.example' -Force |
        Where-Object { $_ -is [AirRemediation.AirRunSummary] }).ActionId
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
    Remove-Item $emptyDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Argument completion from the action store' -Tag Completion {
    It 'completes -Id of Undo-AirAction with the action ids, newest first, with kind, state and summary as tooltip' {
        $matches_ = @(Complete 'Undo-AirAction -Id ')
        $matches_.CompletionText | Should -Be @($cluster, $first)
        $matches_[0].ToolTip | Should -Match '^SoftDeleteCluster · Completed · '
        $matches_[1].ToolTip | Should -Match '^SoftDeleteEmail · Completed · '
        $matches_[0].ResultType | Should -Be 'ParameterValue'
    }

    It 'completes only the ids that start with what was typed, for Resume-AirAction too' {
        $typed = $first.Substring(0, 6)
        $expected = @($cluster, $first) | Where-Object { $_.StartsWith($typed, [StringComparison]::OrdinalIgnoreCase) }
        @(Complete "Resume-AirAction -Id $typed").CompletionText | Should -Be @($expected)
        @(Complete "Resume-AirAction $($typed.ToLowerInvariant())").CompletionText | Should -Be @($expected) -Because 'the positional -Id completes too, case-insensitively'
    }

    It 'keeps the quote the user started with' {
        @(Complete "Undo-AirAction -Id '$($first.Substring(0, 6))").CompletionText | Should -Contain "'$first'"
    }

    It 'completes -Mailbox of Invoke-AirSoftDelete with the addresses recent actions acted on' {
        @(Complete 'Invoke-AirSoftDelete -Mailbox ').CompletionText | Sort-Object | Should -Be @('adele@contoso.com', 'lynne@contoso.com', 'megan@contoso.com')
        $m = @(Complete 'Invoke-AirSoftDelete -Mailbox me')
        $m.CompletionText | Should -Be @('megan@contoso.com')
        $m[0].ToolTip | Should -Match "^Seen in $cluster \(SoftDeleteCluster"
    }

    It 'completes -Url of Unblock-AirUrl with the entries on the Tenant Allow/Block List' {
        $null = Block-AirUrl -Url 'phish-one.example/login', 'phish-two.example' -Force
        $all = @(Complete 'Unblock-AirUrl -Url phish-').CompletionText
        $all | Should -Be @('phish-one.example/login', 'phish-two.example')
        $one = @(Complete 'Unblock-AirUrl phish-o')
        $one.CompletionText | Should -Be @('phish-one.example/login')
        $one[0].ToolTip | Should -Match '^Block, expires '
    }

    It 'offers nothing, and does not fail, when not connected' {
        Disconnect-AirService
        try {
            @(Complete 'Undo-AirAction -Id ').Count | Should -Be 0
            @(Complete 'Invoke-AirSoftDelete -Mailbox a').Count | Should -Be 0
        }
        finally {
            $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) `
                -AuthorityHost $sim.authority -GraphEndpoint $sim.graph -ExchangeEndpoint $sim.exchange -ActionStorePath $store
        }
    }
}
