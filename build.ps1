<#
.SYNOPSIS
    Builds, tests and demonstrates the AirRemediation module.

.DESCRIPTION
    One entry point for developers and CI. Every task builds first, so each one works on a fresh clone after
    `dotnet tool restore`.

    Build  publishes the module to out/AirRemediation/<version>/ (cmdlet assembly, manifest and formats next to
           each other; the Engine and all its dependencies in Dependencies/), builds its help from docs/en-US into
           en-US/ (build/HelpBuilder.ps1; a malformed page fails the build) and publishes the tenant simulator to
           out/simulator/.
    Test   runs the xunit suites, then the Pester suites in a child pwsh against the published module and its
           package, and ends with one line "N passed, N failed" counting both.
    Package builds, then packs the module into out/package/AirRemediation.<version>.nupkg, a PowerShell module
           package that Install-PSResource installs from a local folder repository (see README, "Install").
    Demo   starts the tenant simulator, imports the built module, signs in and walks through what works.
    Bench  measures cluster soft delete against the simulator's limits and against the loops admins write today;
           writes out/bench/result.json (see docs/PERFORMANCE.md).

.PARAMETER Task
    Build, Test, Package, Demo or Bench.

.PARAMETER Configuration
    Debug or Release (default Release).

.PARAMETER Tag
    Test only: run just the tests with this tag (xunit trait Category=<Tag>, Pester -Tag <Tag>), for example Fault.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Demo

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Package
    Register-PSResourceRepository -Name local -Uri ./out/package -Trusted
    Install-PSResource -Name AirRemediation -Repository local -Scope CurrentUser

    Builds the package and installs it for the current user from the folder it was written to.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string] $Tag
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$version = (Import-PowerShellDataFile (Join-Path $root 'AirRemediation.psd1')).ModuleVersion
$outRoot = Join-Path $root 'out'
$moduleOut = Join-Path $outRoot "AirRemediation/$version"
$simulatorOut = Join-Path $outRoot 'simulator'
$resultsDir = Join-Path $outRoot 'test-results'
$packageOut = Join-Path $outRoot 'package'
$packageFile = Join-Path $packageOut "AirRemediation.$version.nupkg"

function Invoke-Dotnet {
    # Every dotnet call goes through here so that no failing exit code is ever ignored.
    # Plain $args, not a param block: dotnet's own switches (-o, -c) must not bind to common parameters.
    $Arguments = [string[]] $args
    Write-Host "dotnet $($Arguments -join ' ')" -ForegroundColor DarkGray
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE." }
}

function Invoke-ChildPwsh {
    # A fresh pwsh of the same version as this one, without profile.
    param([string[]] $Arguments)
    $host_ = [Environment]::ProcessPath
    if ((Split-Path $host_ -Leaf) -like 'dotnet*') {
        & $host_ (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @Arguments | Out-Host
    } else {
        & $host_ -NoProfile -NonInteractive @Arguments | Out-Host
    }
    return $LASTEXITCODE
}

function Invoke-Build {
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    Invoke-Dotnet publish (Join-Path $root 'src/AirRemediation.Engine') -c $Configuration -o (Join-Path $moduleOut 'Dependencies') --nologo
    Add-ReadyToRun
    Invoke-Dotnet publish (Join-Path $root 'src/AirRemediation') -c $Configuration -o $moduleOut --nologo
    Copy-Item (Join-Path $root 'AirRemediation.psd1') $moduleOut
    Copy-Item (Join-Path $root 'src/AirRemediation/Formats/*.ps1xml') $moduleOut
    # The cmdlet folder must not carry an Engine copy: the one loaded is in Dependencies/.
    Get-ChildItem $moduleOut -File -Filter 'AirRemediation.Engine.*' | Remove-Item -Force
    Invoke-HelpBuild
    Invoke-Dotnet publish (Join-Path $root 'src/AirRemediation.Simulator') -c $Configuration -o $simulatorOut --nologo
    Write-Host "Module: $moduleOut"
}

function Add-ReadyToRun {
    # Copies of the Engine's dependencies precompiled for this machine's platform (ReadyToRun), in
    # Dependencies/r2r/<os>-<arch>/: a fresh process then runs its first command without JIT-compiling the Engine, Kiota,
    # Azure.Core, MSAL and SQLite paths (docs/PERFORMANCE.md). The module prefers them on this platform only and loads
    # the portable assemblies everywhere else. Only a speed-up: if the compiler cannot be restored, the build goes on.
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $rid = "$os-$arch"
    $staging = Join-Path $root 'out/r2r/publish'
    try {
        Invoke-Dotnet publish (Join-Path $root 'src/AirRemediation.Engine') -c $Configuration -r $rid --self-contained false '-p:PublishReadyToRun=true' `
            --artifacts-path (Join-Path $root 'out/r2r/build') -o $staging --nologo
    }
    catch {
        Write-Warning "ReadyToRun copies for $rid were not built ($($_.Exception.Message)); the module runs on its portable assemblies."
        return
    }
    $target = Join-Path $moduleOut "Dependencies/r2r/$rid"
    New-Item -ItemType Directory -Force -Path $target | Out-Null
    foreach ($dll in Get-ChildItem $staging -Filter '*.dll') {
        # Only assemblies that really carry precompiled code (the csproj leaves the Graph SDK's models out).
        $stream = [IO.File]::OpenRead($dll.FullName)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $precompiled = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
            $pe.Dispose()
        }
        finally { $stream.Dispose() }
        if ($precompiled) { Copy-Item $dll.FullName $target }
    }
    Write-Host "ReadyToRun ($rid): $(@(Get-ChildItem $target -Filter '*.dll').Count) assemblies"
}

function Invoke-HelpBuild {
    # MAML and about topics from docs/en-US, in a child pwsh because it imports the module just published (the syntax
    # and parameter facts come from the real cmdlets). A malformed page fails the build with file:line messages.
    $helpArgs = @('-File', (Join-Path $root 'build/HelpBuilder.ps1'), '-DocsPath', (Join-Path $root 'docs/en-US'),
        '-ModulePath', (Join-Path $moduleOut 'AirRemediation.psd1'))
    $exit = Invoke-ChildPwsh $helpArgs
    if ($exit -ne 0) { throw "Building help from docs/en-US failed (exit code $exit); the problems are listed above." }
}

function New-Package {
    # The module folder as it was just built, zipped into a .nupkg of our own making (no nuget.exe); see the script.
    $package = & (Join-Path $root 'build/New-ModulePackage.ps1') -ModulePath $moduleOut -OutputPath $packageOut
    Write-Host "Package: $($package.FullName) ($([math]::Round($package.Length / 1MB, 1)) MB)"
}

function Invoke-Package {
    Invoke-Build
    New-Package
}

function Get-TrxCounts {
    param([string] $Directory)
    $passed = 0; $failed = 0
    foreach ($file in Get-ChildItem $Directory -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        [xml] $trx = Get-Content $file.FullName -Raw
        $c = $trx.TestRun.ResultSummary.Counters
        $passed += [int] $c.passed
        $failed += [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed }
}

function Start-Azurite {
    # The Azure Table backend's tests run against Azurite (the Azure Storage emulator), pinned in .tools/azurite/package-lock.json,
    # installed with npm ci on first use and started on free loopback ports for this test run only (one with shared key,
    # one with OAuth). Returns the node processes.
    $dir = Join-Path $root '.tools/azurite'
    $pinned = (Get-Content (Join-Path $dir 'package.json') -Raw | ConvertFrom-Json).dependencies.azurite
    $installed = Join-Path $dir 'node_modules/azurite/package.json'
    $node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $node) { throw 'The Table store tests need Node.js (node and npm on PATH) to run Azurite; install Node.js 20 or later.' }
    if (-not (Test-Path $installed) -or (Get-Content $installed -Raw | ConvertFrom-Json).version -ne $pinned) {
        Write-Host "npm ci (Azurite $pinned) in $dir" -ForegroundColor DarkGray
        Push-Location $dir
        try {
            & npm ci --no-audit --no-fund --loglevel=error | Out-Host
            if ($LASTEXITCODE -ne 0) { throw "npm ci for Azurite failed with exit code $LASTEXITCODE." }
        } finally { Pop-Location }
    }
    $logDir = Join-Path $outRoot 'azurite'
    New-Item -ItemType Directory -Path $logDir -Force | Out-Null
    $main = Join-Path $dir 'node_modules/azurite/dist/src/table/main.js'

    # 1. Shared key over http: the store contract tests and the connection-string sessions.
    $keys = Start-AzuriteProcess $node.Source $main (Join-Path $logDir 'keys') @()
    # Azurite's well-known development account (public, documented by Microsoft; not a secret).
    $env:AIR_TEST_TABLES_CONNECTION = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "TableEndpoint=http://127.0.0.1:$($keys.Port)/devstoreaccount1;"
    Write-Host "Azurite $pinned (table service, shared key) on http://127.0.0.1:$($keys.Port), pid $($keys.Process.Id)" -ForegroundColor DarkGray

    # 2. Entra tokens over https (--oauth basic checks issuer, audience and lifetime; storage takes bearer tokens only over
    #    TLS): the team setup's -ActionStoreTableEndpoint, with tokens the tenant simulator issues for https://storage.azure.com.
    #    The certificate is made for this run (loopback names only) and never leaves out/.
    $certDir = Join-Path $logDir 'oauth'
    New-Item -ItemType Directory -Path $certDir -Force | Out-Null
    $pem = New-LoopbackCertificatePem $certDir
    $oauth = Start-AzuriteProcess $node.Source $main $certDir @('--oauth', 'basic', '--cert', $pem.Certificate, '--key', $pem.Key)
    $env:AIR_TEST_TABLES_OAUTH_ENDPOINT = "https://127.0.0.1:$($oauth.Port)/devstoreaccount1"
    Write-Host "Azurite $pinned (table service, OAuth) on $env:AIR_TEST_TABLES_OAUTH_ENDPOINT, pid $($oauth.Process.Id)" -ForegroundColor DarkGray
    return @($keys.Process, $oauth.Process)
}

function Start-AzuriteProcess([string] $Node, [string] $Main, [string] $LogDir, [string[]] $Extra) {
    # One Azurite table service on a free loopback port; returns the process and the port once it accepts connections.
    New-Item -ItemType Directory -Path $LogDir -Force | Out-Null
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $process = Start-Process -FilePath $Node -WorkingDirectory $LogDir -PassThru `
        -ArgumentList (@($Main, '--tableHost', '127.0.0.1', '--tablePort', $port, '--inMemoryPersistence', '--disableTelemetry', '--silent') + $Extra) `
        -RedirectStandardOutput (Join-Path $LogDir 'stdout.log') -RedirectStandardError (Join-Path $LogDir 'stderr.log')
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ($true) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); break } catch { } finally { $client.Dispose() }
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            if (-not $process.HasExited) { Stop-Process -Id $process.Id -Force }
            throw "Azurite did not start on 127.0.0.1:$port (see $LogDir)."
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Process = $process; Port = $port }
}

function New-LoopbackCertificatePem([string] $Dir) {
    # A self-signed certificate for 127.0.0.1/localhost, valid for this week only, as PEM files for Azurite's --cert/--key.
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    try {
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=127.0.0.1', $rsa,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddIpAddress([System.Net.IPAddress]::Loopback)
        $names.AddDnsName('localhost')
        $request.CertificateExtensions.Add($names.Build())
        $cert = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(7))
        $certFile = Join-Path $Dir 'cert.pem'
        $keyFile = Join-Path $Dir 'key.pem'
        Set-Content -Path $certFile -Value $cert.ExportCertificatePem() -NoNewline
        Set-Content -Path $keyFile -Value $rsa.ExportPkcs8PrivateKeyPem() -NoNewline
        $cert.Dispose()
        [pscustomobject]@{ Certificate = $certFile; Key = $keyFile }
    } finally { $rsa.Dispose() }
}

function Invoke-Test {
    Invoke-Build
    New-Package
    if (Test-Path $resultsDir) { Remove-Item $resultsDir -Recurse -Force }
    New-Item -ItemType Directory -Path $resultsDir | Out-Null

    Invoke-Dotnet build (Join-Path $root 'AirRemediation.sln') -c $Configuration --nologo
    $azurite = Start-Azurite
    # Every temporary file of the suites and the processes they start (stores, scripts, scenarios, child output) goes
    # to one directory of this run, removed at the end unless something failed (then it is kept to look at).
    $testTemp = Join-Path $root 'out/test-temp'
    if (Test-Path $testTemp) { Remove-Item $testTemp -Recurse -Force }
    New-Item -ItemType Directory -Path $testTemp | Out-Null
    $savedTemp = @{}
    foreach ($name in 'TMPDIR', 'TMP', 'TEMP') { $savedTemp[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $testTemp) }
    try {
        $xunit = [pscustomobject]@{ Passed = 0; Failed = 0 }
        # One dotnet test per project, each with its own TRX file name, so no result file can overwrite another.
        foreach ($project in Get-ChildItem (Join-Path $root 'tests') -Filter '*.Tests.csproj' -Recurse) {
            $trxDir = Join-Path $resultsDir "xunit/$($project.BaseName)"
            $xunitArgs = @('test', $project.FullName, '-c', $Configuration, '--no-build', '--nologo',
                '--logger', "trx;LogFileName=$($project.BaseName).trx", '--logger', 'console;verbosity=minimal', '--results-directory', $trxDir)
            if ($Tag) { $xunitArgs += @('--filter', "Category=$Tag") }
            Write-Host "dotnet $($xunitArgs -join ' ')" -ForegroundColor DarkGray
            & dotnet @xunitArgs | Out-Host
            $exit = $LASTEXITCODE
            $counts = Get-TrxCounts $trxDir
            if ($exit -ne 0 -and $counts.Failed -eq 0) {
                # dotnet test failed without a failing test (a crash, a filter matching nothing): count it, never hide it.
                $counts.Failed = 1
            }
            $xunit.Passed += $counts.Passed
            $xunit.Failed += $counts.Failed
        }

        $pesterResult = Join-Path $resultsDir 'pester.json'
        $pesterArgs = @('-File', (Join-Path $root 'tests/Pester/Invoke-PesterSuite.ps1'),
            '-ModulePath', (Join-Path $moduleOut 'AirRemediation.psd1'),
            '-SimulatorPath', (Join-Path $simulatorOut 'AirRemediation.Simulator.dll'),
            '-ResultPath', $pesterResult,
            '-PackagePath', $packageFile)
        if ($Tag) { $pesterArgs += @('-Tag', $Tag) }
        $pesterExit = Invoke-ChildPwsh $pesterArgs
        $pester = if (Test-Path $pesterResult) { Get-Content $pesterResult -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
        if ($pesterExit -ne 0 -and $pester.Failed -eq 0) { $pester.Failed = 1 }
    } finally {
        # Stopped by its own PID, never by name: other test runs on this machine may have their own.
        foreach ($p in $azurite) { if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force } }
        Remove-Item Env:AIR_TEST_TABLES_CONNECTION, Env:AIR_TEST_TABLES_OAUTH_ENDPOINT -ErrorAction SilentlyContinue
        foreach ($name in $savedTemp.Keys) { [Environment]::SetEnvironmentVariable($name, $savedTemp[$name]) }
    }
    if ($xunit.Failed + $pester.Failed -eq 0) { Remove-Item $testTemp -Recurse -Force -ErrorAction SilentlyContinue }
    else { Write-Host "Temporary files of the failed run are kept in $testTemp" }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    Write-Host ''
    Write-Host "xunit:  $($xunit.Passed) passed, $($xunit.Failed) failed"
    Write-Host "Pester: $($pester.Passed) passed, $($pester.Failed) failed"
    # The one line CI reads; it must be the last line printed.
    Write-Output "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $demoArgs = @('-File', (Join-Path $root 'tests/Demo/Invoke-Demo.ps1'),
        '-ModulePath', (Join-Path $moduleOut 'AirRemediation.psd1'),
        '-SimulatorPath', (Join-Path $simulatorOut 'AirRemediation.Simulator.dll'))
    $exit = Invoke-ChildPwsh $demoArgs
    if ($exit -ne 0) { throw "The demo failed (exit code $exit)." }
}

function Invoke-Bench {
    Invoke-Build
    $benchArgs = @('-File', (Join-Path $root 'tests/Bench/Invoke-Bench.ps1'),
        '-ModulePath', (Join-Path $moduleOut 'AirRemediation.psd1'),
        '-SimulatorPath', (Join-Path $simulatorOut 'AirRemediation.Simulator.dll'),
        '-OutDirectory', (Join-Path $outRoot 'bench'))
    $exit = Invoke-ChildPwsh $benchArgs
    if ($exit -ne 0) { throw "The benchmark failed (exit code $exit)." }
    # The SQLite journal's own throughput (tests/Bench/StoreBench): rates only, never asserted.
    Invoke-Dotnet run --project (Join-Path $root 'tests/Bench/StoreBench') -c $Configuration --nologo
}

Push-Location $root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
    }
}
finally {
    Pop-Location
}
