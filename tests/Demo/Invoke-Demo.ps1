<#
.SYNOPSIS
    The AirRemediation demo: starts the tenant simulator, imports the built module, and walks the whole story in
    readable tables — sign-in, investigations, pending actions, approval by a second person, results, undo, and the
    audit trail. Run by build.ps1 -Task Demo.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

function Show-Step([string] $Title) {
    # Narration for a person watching, not data: the host, not the pipeline.
    Write-Host ''
    Write-Host "== $Title" -ForegroundColor Cyan
}
function Show([Parameter(ValueFromPipeline)] $InputObject) {
    begin { $all = [System.Collections.Generic.List[object]]::new() }
    process { $all.Add($InputObject) }
    end { $all | Out-String -Width 120 | Write-Host }
}

$scenarioPath = Join-Path (Split-Path $SimulatorPath) 'Scenarios/default.json'
$scenario = Get-Content $scenarioPath -Raw | ConvertFrom-Json
$store = Join-Path ([IO.Path]::GetTempPath()) ("air-demo-" + [guid]::NewGuid().ToString('n') + '.db')

Show-Step 'Starting the tenant simulator on loopback (Entra, Graph and Exchange as Microsoft 365 answers them)'
$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($SimulatorPath, '--scenario', $scenarioPath, '--port', '0', '--device-code-delay-ms', '300')) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
$sim = [System.Diagnostics.Process]::Start($psi)
$null = $sim.StandardError.ReadToEndAsync()
try {
    $lineTask = $sim.StandardOutput.ReadLineAsync()
    if (-not $lineTask.Wait([TimeSpan]::FromSeconds(60))) { throw 'The simulator did not start within 60 s.' }
    $ready = $lineTask.Result | ConvertFrom-Json
    $ready | Select-Object tenantId, authority, graph, exchange | Format-List | Show
    $endpoints = @{ AuthorityHost = $ready.authority; GraphEndpoint = $ready.graph; ExchangeEndpoint = $ready.exchange; ActionStorePath = $store }
    function Connect-As([string] $Upn) {
        $null = Invoke-RestMethod -Method Post -Uri "$($ready.http)/_simulator/device-code-user" -Body (@{ user = $Upn } | ConvertTo-Json) -ContentType 'application/json'
        $public = $scenario.apps | Where-Object { $_.PSObject.Properties['publicClient'] -and $_.publicClient }
        Connect-AirService -TenantId $ready.tenantId -ClientId $public.clientId -UseDeviceCode @endpoints 3>$null |
            Select-Object Identity, IdentityType, SignInMethod, @{ n = 'DirectoryRoles'; e = { $_.DirectoryRoles -join ', ' } } | Format-Table -AutoSize | Show
    }

    Show-Step 'Importing the module (its Graph/Azure/MSAL/SQLite dependencies load in a private context)'
    Import-Module $ModulePath
    Get-Command -Module AirRemediation | Sort-Object Name | Format-Wide Name -Column 3 | Show

    $app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    Show-Step "The runbook signs in as the app '$($app.displayName)' (client secret; a certificate or managed identity works the same)"
    Connect-AirService -TenantId $ready.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints |
        Select-Object Identity, IdentityType, SignInMethod, TenantId, ExchangeConnected, GraphTokenExpiresOn | Format-List | Show

    Show-Step 'What can this sign-in do? (Test-AirPermission reads the tokens, never shows them)'
    Test-AirPermission | Show

    Show-Step 'Defender for Office 365 investigations waiting for approval (Get-AirInvestigation)'
    $investigations = Get-AirInvestigation
    $investigations | Show
    Show-Step 'Evidence of the first one, typed (pendingApproval is visible because we ask for evolvable enum members)'
    $investigations[0].Evidence | Show

    Show-Step 'The runbook syncs them into the queue (Get-AirPendingAction): one proposal per piece of evidence'
    Get-AirPendingAction | Show
    Show-Step 'Syncing again queues nothing new'
    Get-AirPendingAction -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Synced*' } | ForEach-Object { Write-Host "  $($_.Message)" }

    Show-Step 'An analyst (Megan, Security Administrator) signs in with the device code flow'
    Connect-As 'megan@contoso.com'

    Show-Step 'She proposes a soft delete herself (New-AirAction) ...'
    $mine = New-AirAction -SoftDeleteEmail -Mailbox 'adele@contoso.com' -InternetMessageId '<weekly-42@contoso.com>' -Reason 'BEC lure reported by Adele' -Confirm:$false
    $mine | Show
    Show-Step '... and may not approve it herself (four-eyes)'
    try { Approve-AirAction -Id $mine.Id -Force -ErrorAction Stop }
    catch { Write-Host "  $($_.FullyQualifiedErrorId): $($_.Exception.Message)" -ForegroundColor Yellow }

    Show-Step 'She approves what Defender proposed: the soft deletes run now, and the outcome goes back on the alert'
    Get-AirPendingAction -NoSync | Where-Object Kind -like 'SoftDelete*' | Where-Object ProposedBy -ne 'megan@contoso.com' |
        Approve-AirAction -Comment 'Confirmed phishing campaign' -Force | Show

    Show-Step 'A second analyst (Alex) approves Megan''s proposal'
    Connect-As 'alex@contoso.com'
    Approve-AirAction -Id $mine.Id -Force | Show

    Show-Step 'Alex approves the rest of what Defender proposed: the URL block and turning off forwarding'
    Get-AirPendingAction -NoSync | Approve-AirAction -Comment 'Same campaign' -Force | Show

    Show-Step 'The Tenant Allow/Block List now holds the URL, with its expiry (Get-AirUrlBlock)'
    Get-AirUrlBlock | Show

    Show-Step 'The runbook app blocks more URLs directly: each entry is checked against Microsoft''s URL rules first'
    $null = Connect-AirService -TenantId $ready.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints
    Block-AirUrl -Url 'login.contoso-sso.example/owa', '*.fabrikam-payments.example', 'https://evil.example/x', 'contoso.com:8080', 'bücher.example' -Note 'campaign 1042' -Force -ErrorAction SilentlyContinue | Show

    Show-Step 'And turns off Lynne''s external forwarding (-WhatIf first, then for real)'
    Disable-AirMailForwarding -Mailbox 'lynne@contoso.com' -WhatIf
    Disable-AirMailForwarding -Mailbox 'lynne@contoso.com' -Force | Show

    Show-Step 'Soft deleting directly, with -WhatIf first: it lists per mailbox what would go, and changes nothing'
    Invoke-AirSoftDelete -Mailbox 'adele@contoso.com' -Subject "Re: O'Brien contract" -WhatIf

    Show-Step 'A cluster across all mailboxes, found through message trace: only the mailboxes that received it are searched'
    # Adele's account was phished and sent "Lunch on Friday?" around: an internal sender (Graph's sender filter misses
    # those) and a subject matched by its start. -Discovery Auto asks Get-MessageTraceV2 who got it first.
    $cluster = Invoke-AirSoftDelete -AllMailboxes -Sender 'adele@contoso.com' -Subject 'Lunch on' -SubjectMatch StartsWith `
        -ReceivedAfter ([DateTimeOffset]'2026-11-20T00:00:00Z') -Force | Where-Object { $_ -is [AirRemediation.AirRunSummary] }
    $cluster | Show
    Write-Host "   $($cluster.Note)"

    Show-Step 'The queue and history (Get-AirAction)'
    Get-AirAction | Show

    Show-Step 'One action in detail: its items and its audit trail (who, when, why, from which sign-in)'
    $detail = Get-AirAction -Id $mine.Id
    $detail.Items | Show
    $detail.Trail | Show

    Show-Step 'The alert now carries the outcome as a comment'
    ((Invoke-RestMethod "$($ready.http)/_simulator/state").alerts | Select-Object -First 1).comments | Select-Object createdByDisplayName, comment | Format-List | Show

    Show-Step 'Undo: the action ran on an approval, so Alex''s undo is proposed for approval, not run'
    Connect-As 'alex@contoso.com'
    $undo = Undo-AirAction -Id $mine.Id -Force 3>$null
    $undo | Show
    Show-Step 'Megan approves the undo: the message goes back to the folder it came from'
    Connect-As 'megan@contoso.com'
    Approve-AirAction -Id $undo.ActionId -Force | Show

    Show-Step 'Team setup: Megan names the runbook app as executor, so approving hands the work to it (Set-AirApprovalPolicy -ExecutorAppId)'
    Connect-As 'megan@contoso.com'
    Set-AirApprovalPolicy -ExecutorAppId $app.clientId -Confirm:$false 3>$null | Show
    Show-Step 'Alex proposes a URL block; Megan approves it: the decision is recorded and the action returned Approved at once'
    Connect-As 'alex@contoso.com'
    $handoff = New-AirAction -BlockUrl -Url 'worker-demo.example/login' -Reason 'credential phish' -Confirm:$false
    Connect-As 'megan@contoso.com'
    Approve-AirAction -Id $handoff.Id -Comment 'confirmed' -Force | Show
    Show-Step 'The worker, signed in as the app, verifies the approval with Graph and runs it (Invoke-AirApprovedAction)'
    $null = Connect-AirService -TenantId $ready.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints
    Invoke-AirApprovedAction -Confirm:$false | Where-Object { $_ -is [AirRemediation.AirWorkerResult] } | Show
    Get-AirAction -Id $handoff.Id | Show


    Show-Step 'The audit trail is a hash chain that pins what was approved; Test-AirAuditTrail verifies it and gives its head'
    $check = Test-AirAuditTrail
    $check | Show
    Write-Host "  Head to keep outside the store (a SIEM, a job log): $($check.Head)"
    Write-Host "  Later: Test-AirAuditTrail -ExpectedHead '$($check.Head)' -> IsValid $((Test-AirAuditTrail -ExpectedHead $check.Head).IsValid)"

    Show-Step 'Test-AirTenant: a read-only doctor that checks every assumption the module makes about a tenant'
    Test-AirTenant -Mailbox 'adele@contoso.com' | Show

    Disconnect-AirService
    Show-Step "Done. The action store of this demo is $store"
}
finally {
    if (-not $sim.HasExited) { $sim.Kill($true); $null = $sim.WaitForExit(10000) }
}
