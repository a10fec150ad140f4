# Disable-AirMailForwarding and its undo against the simulator (issue 5).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'

    function script:Connect-To($Sim) {
        $store = Join-Path ([IO.Path]::GetTempPath()) ("air-fwd-" + [guid]::NewGuid().ToString('n') + '.db')
        $null = Connect-AirService -TenantId $Sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) `
            -AuthorityHost $Sim.authority -GraphEndpoint $Sim.graph -ExchangeEndpoint $Sim.exchange -ActionStorePath $store
    }
    function script:Get-StateText($Sim) { (Invoke-WebRequest -Uri "$($Sim.http)/_simulator/state?messages=false").Content }
    function script:Get-Mbx($Sim, [string] $Upn) {
        ((Invoke-SimulatorApi $Sim "/_simulator/state?messages=false&mailbox=$([uri]::EscapeDataString($Upn))").mailboxes | Where-Object user -eq $Upn)
    }
    function script:Rule($Mbx, [string] $Name) { $Mbx.rules | Where-Object displayName -eq $Name }
    function script:Items($Out) { $Out | Where-Object { $_ -is [AirRemediation.AirForwardingResult] } }
    function script:Summary($Out) { $Out | Where-Object { $_ -is [AirRemediation.AirRunSummary] } }
    function script:Recipient([string] $Address) { @(@{ emailAddress = @{ name = $Address; address = $Address } }) }

    # A mailbox with four inbox rules (external forward, external redirect, internal forward, no forwarding) and SMTP
    # forwarding to an external address; another with a read-only external forwarding rule.
    $doc = Get-Content (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json') -Raw | ConvertFrom-Json -AsHashtable
    $doc.users += @{ id = 'bbbbbbbb-0000-4000-8000-000000000001'; userPrincipalName = 'sam@contoso.com'; displayName = 'Sam Forwarder' }
    $doc.users += @{ id = 'bbbbbbbb-0000-4000-8000-000000000002'; userPrincipalName = 'rory@contoso.com'; displayName = 'Rory ReadOnly' }
    $doc.mailboxes += @{
        user                       = 'sam@contoso.com'
        forwardingSmtpAddress      = 'smtp:sam.home@gmail.example'
        deliverToMailboxAndForward = $true
        messages                   = @()
        rules                      = @(
            @{ displayName = 'External forward'; sequence = 1; conditions = @{ subjectContains = @('invoice') }; actions = @{ forwardTo = @(Recipient 'drop@exfil.example'); stopProcessingRules = $false } }
            @{ displayName = 'External redirect'; sequence = 2; conditions = @{}; actions = @{ redirectTo = @(Recipient 'sam@personal.example') } }
            @{ displayName = 'Internal forward'; sequence = 3; conditions = @{ fromAddresses = @(Recipient 'lynne@contoso.com') }; actions = @{ forwardTo = @(Recipient 'alex@contoso.com') } }
            @{ displayName = 'Tidy newsletters'; sequence = 4; conditions = @{ senderContains = @('newsletter') }; actions = @{ moveToFolder = 'deleteditems'; markAsRead = $true } }
        )
    }
    $doc.mailboxes += @{
        user     = 'rory@contoso.com'
        messages = @()
        rules    = @( @{ displayName = 'Locked forward'; sequence = 1; isReadOnly = $true; conditions = @{}; actions = @{ forwardAsAttachmentTo = @(Recipient 'rory@elsewhere.example') } } )
    }
    $script:fwdScenario = Join-Path ([IO.Path]::GetTempPath()) 'air-forwarding-scenario.json'
    $doc | ConvertTo-Json -Depth 20 | Set-Content $fwdScenario
    Copy-Item (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/*.pfx') ([IO.Path]::GetTempPath())
}
AfterAll { Disconnect-AirService }

Describe 'Disable-AirMailForwarding on a mailbox with four rules and external SMTP forwarding' {
    BeforeAll {
        $script:sim = Start-AirSimulator -Scenario $fwdScenario
        Connect-To $sim
        $script:original = Get-Mbx $sim 'sam@contoso.com'
        $script:originalJson = $original | ConvertTo-Json -Depth 20
    }
    AfterAll { $sim | Stop-AirSimulator }

    It '-WhatIf changes nothing (the simulator state is byte-for-byte the same)' {
        $before = Get-StateText $sim
        $out = Disable-AirMailForwarding -Mailbox 'sam@contoso.com' -WhatIf
        $out | Should -BeNullOrEmpty
        Get-StateText $sim | Should -BeExactly $before
    }

    It 'disables only the two external rules and clears the SMTP forwarding; the internal rule is untouched' {
        $out = Disable-AirMailForwarding -Mailbox 'sam@contoso.com' -Force
        $items = Items $out
        $items | Should -HaveCount 3
        ($items | Where-Object Rule -eq 'External forward').Outcome | Should -Be 'Disabled'
        ($items | Where-Object Rule -eq 'External forward').Targets | Should -Be 'drop@exfil.example'
        ($items | Where-Object Rule -eq 'External redirect').Outcome | Should -Be 'Disabled'
        $fwd = $items | Where-Object Kind -eq 'MailboxForwarding'
        $fwd.Outcome | Should -Be 'Cleared'
        $fwd.Targets | Should -Be 'sam.home@gmail.example'
        (Summary $out).Succeeded | Should -Be 3
        (Summary $out).State | Should -Be 'Completed'
        (Summary $out).Kind | Should -Be 'DisableForwarding'

        $now = Get-Mbx $sim 'sam@contoso.com'
        (Rule $now 'External forward').isEnabled | Should -BeFalse
        (Rule $now 'External redirect').isEnabled | Should -BeFalse
        (Rule $now 'Internal forward' | ConvertTo-Json -Depth 10) | Should -Be (Rule $original 'Internal forward' | ConvertTo-Json -Depth 10)
        (Rule $now 'Tidy newsletters' | ConvertTo-Json -Depth 10) | Should -Be (Rule $original 'Tidy newsletters' | ConvertTo-Json -Depth 10)
        $now.forwardingSmtpAddress | Should -BeNullOrEmpty
        $now.deliverToMailboxAndForward | Should -BeFalse
        $script:actionId = (Summary $out).ActionId
    }

    It 'a second run changes nothing and reports the rules as already off' {
        $before = Get-StateText $sim
        $out = Disable-AirMailForwarding -Mailbox 'sam@contoso.com' -Force
        (Items $out).Outcome | Sort-Object -Unique | Should -Be 'AlreadyOff'
        (Summary $out).AlreadyRemediated | Should -Be 2
        Get-StateText $sim | Should -BeExactly $before
    }

    It 'Undo-AirAction restores every rule and the forwarding exactly' {
        $out = Undo-AirAction -Id $actionId -Force
        (Items $out).Outcome | Sort-Object -Unique | Should -Be 'Restored'
        (Summary $out).Succeeded | Should -Be 3
        (Get-Mbx $sim 'sam@contoso.com' | ConvertTo-Json -Depth 20) | Should -Be $originalJson
        $err = { Undo-AirAction -Id $actionId -Force -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AirInvalidState,*'
    }

    It '-RemoveRule deletes the external rules, and undo re-creates them from the journal' {
        $out = Disable-AirMailForwarding -Mailbox 'sam@contoso.com' -RemoveRule -Force
        ((Items $out) | Where-Object Kind -eq 'InboxRule').Outcome | Sort-Object -Unique | Should -Be 'Removed'
        $now = Get-Mbx $sim 'sam@contoso.com'
        $now.rules.displayName | Should -Not -Contain 'External forward'
        $now.rules.displayName | Should -Not -Contain 'External redirect'
        $now.rules.displayName | Should -Contain 'Internal forward'

        $null = Undo-AirAction -Id (Summary $out).ActionId -Force
        $back = Get-Mbx $sim 'sam@contoso.com'
        # Re-created rules get new ids; everything else is as it was.
        $strip = { param($m) $m.rules | Sort-Object sequence | ForEach-Object { $_.PSObject.Properties.Remove('id'); $_ } | ConvertTo-Json -Depth 10 }
        & $strip $back | Should -Be (& $strip (Get-Mbx $sim 'sam@contoso.com'))
        & $strip $back | Should -Be (& $strip ($originalJson | ConvertFrom-Json))
        $back.forwardingSmtpAddress | Should -Be $original.forwardingSmtpAddress
        $back.deliverToMailboxAndForward | Should -Be $original.deliverToMailboxAndForward
    }

    It '-IncludeInternal also stops the internal forward' {
        $out = Disable-AirMailForwarding -Mailbox 'sam@contoso.com' -IncludeInternal -Force
        (Items $out | Where-Object Rule -eq 'Internal forward').Outcome | Should -Be 'Disabled'
        (Rule (Get-Mbx $sim 'sam@contoso.com') 'Internal forward').isEnabled | Should -BeFalse
        $null = Undo-AirAction -Id (Summary $out).ActionId -Force
        (Rule (Get-Mbx $sim 'sam@contoso.com') 'Internal forward').isEnabled | Should -BeTrue
    }
}

Describe 'Disable-AirMailForwarding across mailboxes' {
    BeforeAll {
        $script:sim = Start-AirSimulator -Scenario $fwdScenario
        Connect-To $sim
    }
    AfterAll { $sim | Stop-AirSimulator }

    It 'takes mailboxes from the pipeline, reports read-only rules as not changeable, and gives specific errors for bad mailboxes' {
        $input = @(
            [pscustomobject]@{ UserPrincipalName = 'adele@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'lynne@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'rory@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'megan@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'ghost@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'not a mailbox' }
        )
        $out = $input | Disable-AirMailForwarding -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $items = Items $out
        ($items | Where-Object { $_.Mailbox -eq 'adele@contoso.com' -and $_.Rule -eq 'fwd' }).Outcome | Should -Be 'Disabled'
        ($items | Where-Object { $_.Mailbox -eq 'lynne@contoso.com' -and $_.Rule -eq 'Redirect all' }).Outcome | Should -Be 'Disabled'
        ($items | Where-Object { $_.Mailbox -eq 'lynne@contoso.com' -and $_.Kind -eq 'MailboxForwarding' }).Outcome | Should -Be 'Cleared'
        $ro = $items | Where-Object Mailbox -eq 'rory@contoso.com'
        $ro.Outcome | Should -Be 'NotChangeable'
        $ro.Reason | Should -Match 'read-only'
        ($items | Where-Object Mailbox -eq 'megan@contoso.com').Outcome | Should -Be 'NoForwarding'
        ($items | Where-Object Mailbox -eq 'not a mailbox').Outcome | Should -Be 'Rejected'
        $errs.FullyQualifiedErrorId | Should -Contain 'AirInvalidInput,AirRemediation.Commands.DisableAirMailForwardingCommand'
        $errs.FullyQualifiedErrorId | Should -Contain 'AirNotFound,AirRemediation.Commands.DisableAirMailForwardingCommand'
        $s = Summary $out
        $s.Total | Should -Be ($s.Succeeded + $s.AlreadyRemediated + $s.Failed + $s.Skipped)
        $s.State | Should -Be 'PartiallyCompleted'
        # The read-only rule is untouched.
        (Rule (Get-Mbx $sim 'rory@contoso.com') 'Locked forward').isEnabled | Should -BeTrue
        ($items | Format-Table | Out-String -Width 120) | Should -Match 'Outcome'
    }
}
