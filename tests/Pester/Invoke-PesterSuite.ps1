<#
.SYNOPSIS
    Runs the Pester suites against the published module, in this (child) pwsh, and writes the counts as JSON.
.DESCRIPTION
    Called by build.ps1 -Task Test. Pester comes from the NuGet cache (a PackageDownload of the
    AirRemediation.Tests project); the PowerShell Gallery is not used.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SimulatorPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Tag,
    # The .nupkg built by build.ps1 (Package.Tests.ps1 installs it).
    [string] $PackagePath
)
$ErrorActionPreference = 'Stop'
$nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$pester = Join-Path $nuget 'pester/5.7.1/tools/Pester.psd1'
if (-not (Test-Path $pester)) {
    throw "Pester 5.7.1 is not in the NuGet cache ($pester). Run 'dotnet restore tests/AirRemediation.Tests' (build.ps1 -Task Test does)."
}
Import-Module $pester -Force

# The suites read these to find what they test.
$env:AIR_MODULE_PATH = (Resolve-Path $ModulePath).Path
$env:AIR_SIMULATOR_PATH = (Resolve-Path $SimulatorPath).Path
if ($PackagePath) { $env:AIR_PACKAGE_PATH = $PackagePath }

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
$config.Output.RenderMode = 'Plaintext'
if ($Tag) { $config.Filter.Tag = $Tag }
$result = Invoke-Pester -Configuration $config
# The scripts and output files of the child sessions the suites started (every child has ended by now).
Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
Clear-ChildPwshFiles

# Repeat the failures at the end, where a CI log is read first.
foreach ($t in $result.Failed) {
    Write-Host "FAILED: $($t.ExpandedPath)"
    foreach ($e in $t.ErrorRecord) { Write-Host "    $($e.Exception.Message)"; Write-Host "    $($e.ScriptStackTrace -split "`n" | Select-Object -First 2)" }
}
foreach ($c in $result.Containers | Where-Object Result -eq 'Failed') {
    foreach ($e in $c.ErrorRecord) { Write-Host "FAILED CONTAINER $($c.Item): $($e.Exception.Message)" }
}

$counts = [ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
}
$counts | ConvertTo-Json | Set-Content -Path $ResultPath
exit ([int]($counts.Failed -gt 0))
