<#
.SYNOPSIS
    The AirRemediation demo: starts the tenant simulator, imports the built module, and walks through every
    working feature in readable tables. Run by build.ps1 -Task Demo.
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

$scenarioPath = Join-Path (Split-Path $SimulatorPath) 'Scenarios/default.json'
$scenario = Get-Content $scenarioPath -Raw | ConvertFrom-Json

Show-Step 'Starting the tenant simulator on loopback'
$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($SimulatorPath, '--scenario', $scenarioPath, '--port', '0')) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardError = $true
$sim = [System.Diagnostics.Process]::Start($psi)
$null = $sim.StandardError.ReadToEndAsync()
try {
    $lineTask = $sim.StandardOutput.ReadLineAsync()
    if (-not $lineTask.Wait([TimeSpan]::FromSeconds(60))) { throw 'The simulator did not start within 60 s.' }
    $ready = $lineTask.Result | ConvertFrom-Json
    $ready | Select-Object tenantId, authority, graph, exchange | Format-List | Out-Host

    Show-Step 'Importing the module'
    Import-Module $ModulePath
    Get-Command -Module AirRemediation | Format-Table CommandType, Name, Version -AutoSize | Out-Host

    $app = $scenario.apps | Select-Object -First 1
    $endpoints = @{ AuthorityHost = $ready.authority; GraphEndpoint = $ready.graph; ExchangeEndpoint = $ready.exchange }

    Show-Step "Signing in as the app '$($app.displayName)' with its client secret"
    $secret = ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force
    Connect-AirService -TenantId $ready.tenantId -ClientId $app.clientId -ClientSecret $secret @endpoints | Out-Host

    Show-Step 'A wrong secret gives a clear error, not a stack trace'
    try {
        Connect-AirService -TenantId $ready.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString 'wrong' -AsPlainText -Force) @endpoints -ErrorAction Stop
    }
    catch {
        Write-Host "  $($_.FullyQualifiedErrorId): $($_.Exception.Message)" -ForegroundColor Yellow
    }

    Show-Step 'The connection: identity, permissions from the token, expiry (never the token itself)'
    Get-AirConnection | Out-Host

    Disconnect-AirService
    Show-Step 'Done'
}
finally {
    if (-not $sim.HasExited) { $sim.Kill($true); $null = $sim.WaitForExit(10000) }
}
