# Shared helpers for the Pester suites: start and stop the tenant simulator, read its observability endpoints,
# run a script in a fresh pwsh. Nothing here talks to anything but loopback.

$script:Simulators = [System.Collections.Generic.List[object]]::new()

function Start-AirSimulator {
    <# Starts the simulator as a process and returns its endpoints (the ready line) plus the process. #>
    param(
        [string] $Scenario = (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json'),
        [string[]] $ExtraArguments = @(),
        [int] $TimeoutSeconds = 60
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($env:AIR_SIMULATOR_PATH, '--scenario', $Scenario, '--port', '0') + $ExtraArguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    # Drain stderr so the simulator never blocks on a full pipe.
    $null = $process.StandardError.ReadToEndAsync()
    $lineTask = $process.StandardOutput.ReadLineAsync()
    if (-not $lineTask.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or -not $lineTask.Result) {
        try { $process.Kill($true) } catch { }
        throw "The simulator did not print its ready line within $TimeoutSeconds s."
    }
    $ready = $lineTask.Result | ConvertFrom-Json
    $ready | Add-Member -NotePropertyName Process -NotePropertyValue $process
    $script:Simulators.Add($ready)
    $ready
}

function Stop-AirSimulator {
    param([Parameter(ValueFromPipeline)] $Simulator)
    process {
        if ($Simulator -and $Simulator.Process -and -not $Simulator.Process.HasExited) {
            try { $Simulator.Process.Kill($true) } catch { }
            $null = $Simulator.Process.WaitForExit(10000)
        }
    }
}

function Get-AirScenario {
    param([string] $Path = (Join-Path (Split-Path $env:AIR_SIMULATOR_PATH) 'Scenarios/default.json'))
    Get-Content $Path -Raw | ConvertFrom-Json
}

function Invoke-SimulatorApi {
    param([Parameter(Mandatory)] $Simulator, [Parameter(Mandatory)] [string] $Path, [string] $Method = 'GET', $Body)
    $params = @{ Uri = "$($Simulator.http)$Path"; Method = $Method; SkipHttpErrorCheck = $true; StatusCodeVariable = 'status' }
    if ($null -ne $Body) { $params.Body = ($Body | ConvertTo-Json -Depth 10); $params.ContentType = 'application/json' }
    $result = Invoke-RestMethod @params
    # A failing observability call says what the simulator answered, so a flaky failure can be diagnosed from the log.
    if ($status -ge 400) { throw "Simulator $Method $Path answered $status`: $($result | ConvertTo-Json -Depth 5 -Compress)" }
    $result
}

function Get-SimulatorConnectParameters {
    <# The endpoint overrides that point Connect-AirService at a running simulator. #>
    param([Parameter(Mandatory)] $Simulator)
    @{
        AuthorityHost    = [uri] $Simulator.authority
        GraphEndpoint    = [uri] $Simulator.graph
        ExchangeEndpoint = [uri] $Simulator.exchange
    }
}

function Invoke-ChildPwsh {
    <# Runs a script in a fresh pwsh (same version, no profile) and returns its output lines and exit code. #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("air-child-" + [guid]::NewGuid().ToString('n') + '.ps1')
    Set-Content -Path $file -Value $Script
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $exe = [Environment]::ProcessPath
        $output = if ((Split-Path $exe -Leaf) -like 'dotnet*') {
            & $exe (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1
        } else {
            & $exe -NoProfile -NonInteractive -File $file 2>&1
        }
        [pscustomobject]@{ Output = @($output | ForEach-Object { "$_" }); ExitCode = $LASTEXITCODE }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

function Get-AirTestApp {
    <# The scenario's automation app (client secret), which the suites sign in as. #>
    (Get-AirScenario).apps | Where-Object displayName -eq 'AirRemediation Automation'
}

function New-AirTestStorePath {
    <# A new SQLite action store path (not created) in the temporary folder. #>
    param([string] $Prefix = 'air-test')
    Join-Path ([System.IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('n') + '.db')
}

function Connect-AirTestApp {
    <# Signs this session in to a running simulator as the automation app, with a SQLite action store. #>
    param([Parameter(Mandatory)] $Simulator, [Parameter(Mandatory)] [string] $StorePath)
    $app = Get-AirTestApp
    $endpoints = Get-SimulatorConnectParameters $Simulator
    $null = Connect-AirService -TenantId $Simulator.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) `
        -ActionStorePath $StorePath @endpoints
}

function New-AirChildSessionScript {
    <# The script of a child pwsh that imports the module, signs in as the automation app with a SQLite store, then runs
       $Body; with -ContinueOnError, item errors are written and the body goes on (the test judges the journal). #>
    param([Parameter(Mandatory)] $Simulator, [Parameter(Mandatory)] [string] $StorePath, [Parameter(Mandatory)] [string] $Body, [switch] $ContinueOnError)
    $app = Get-AirTestApp
    @"
`$ErrorActionPreference = '$(if ($ContinueOnError) { 'Continue' } else { 'Stop' })'
Import-Module '$($env:AIR_MODULE_PATH)'
`$null = Connect-AirService -TenantId '$($Simulator.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($Simulator.authority)' -GraphEndpoint '$($Simulator.graph)' -ExchangeEndpoint '$($Simulator.exchange)' -ActionStorePath '$StorePath'
$Body
"@
}

# Scripts and output files of child processes started without waiting (Start-ChildPwsh), one directory per test process.
$script:ChildDirectory = Join-Path ([System.IO.Path]::GetTempPath()) "air-pester-$PID"

function Start-ChildPwsh {
    <# Starts a script in a fresh pwsh (same version, no profile) without waiting for it, its output and errors going to
       files; returns the process with OutputFile and ErrorFile. For the tests that kill or race child sessions. #>
    param([Parameter(Mandatory)] [string] $Script, [string] $Name = 'child')
    New-Item -ItemType Directory -Force -Path $script:ChildDirectory | Out-Null
    $base = Join-Path $script:ChildDirectory "$Name-$([guid]::NewGuid().ToString('n'))"
    Set-Content -Path "$base.ps1" -Value $Script
    $exe = [Environment]::ProcessPath
    $argList = if ((Split-Path $exe -Leaf) -like 'dotnet*') { @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-File', "$base.ps1") } else { @('-NoProfile', '-File', "$base.ps1") }
    Start-Process -FilePath $exe -ArgumentList $argList -PassThru -RedirectStandardOutput "$base.out" -RedirectStandardError "$base.err" |
        Add-Member -NotePropertyName OutputFile -NotePropertyValue "$base.out" -PassThru |
        Add-Member -NotePropertyName ErrorFile -NotePropertyValue "$base.err" -PassThru
}

function Clear-ChildPwshFiles {
    <# Removes what Start-ChildPwsh left behind in this test process (call once every child has ended). #>
    Remove-Item $script:ChildDirectory -Recurse -Force -ErrorAction SilentlyContinue
}

function Get-AirEngineTestClockField {
    <# The Engine's test-only clock seam (AirSession.TestClock), found in whichever load context the module put the Engine. #>
    $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AirRemediation.Engine' } | Select-Object -First 1
    if (-not $engine) { throw 'The AirRemediation Engine is not loaded yet; connect once (Connect-AirService) before setting its clock.' }
    $field = $engine.GetType('AirRemediation.Engine.Auth.AirSession', $true).GetField('TestClock', [System.Reflection.BindingFlags]'NonPublic, Static')
    if (-not $field) { throw 'AirSession.TestClock was not found in the Engine; the test clock seam has moved.' }
    $field
}

function Set-AirTestClock {
    <#
    Makes every session connected from now on in this process see the time moved by -Offset (for example 8 days, to
    make a pending action expire). A TimeProvider defined here, handed to the Engine through reflection: the product
    itself reads no clock setting from anywhere. Undo with Reset-AirTestClock.
    #>
    param([Parameter(Mandatory)] [TimeSpan] $Offset)
    if (-not ('AirTests.ShiftedClock' -as [type])) {
        Add-Type -TypeDefinition @'
namespace AirTests
{
    /// <summary>The system clock moved by a fixed offset (tests only).</summary>
    public sealed class ShiftedClock : System.TimeProvider
    {
        private readonly System.TimeSpan offset;
        public ShiftedClock(System.TimeSpan offset) { this.offset = offset; }
        public override global::System.DateTimeOffset GetUtcNow() { return global::System.TimeProvider.System.GetUtcNow() + offset; }
    }
}
'@
    }
    (Get-AirEngineTestClockField).SetValue($null, [AirTests.ShiftedClock]::new($Offset))
}

function Reset-AirTestClock {
    <# Sessions connected from now on use the system clock again. #>
    (Get-AirEngineTestClockField).SetValue($null, $null)
}

Export-ModuleMember -Function Start-AirSimulator, Stop-AirSimulator, Get-AirScenario, Invoke-SimulatorApi, Get-SimulatorConnectParameters, Invoke-ChildPwsh, Start-ChildPwsh, Get-AirTestApp, New-AirTestStorePath, Connect-AirTestApp, New-AirChildSessionScript, Clear-ChildPwshFiles, Set-AirTestClock, Reset-AirTestClock
