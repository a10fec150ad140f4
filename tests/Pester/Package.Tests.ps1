# The installable package (issue 9): the .nupkg that build.ps1 -Task Package writes is installed by Install-PSResource
# from a local folder repository in a fresh pwsh, then imported by name. The child pwsh gets a temporary HOME, so the
# repository registration and the installed module land there and never in the user's own module path.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Add-Type -AssemblyName System.IO.Compression
    $script:manifest = Import-PowerShellDataFile $env:AIR_MODULE_PATH
    $script:package = $env:AIR_PACKAGE_PATH
    if (-not $package -or -not (Test-Path $package)) {
        throw "No package at '$package'. build.ps1 -Task Test builds it (or run build.ps1 -Task Package and set AIR_PACKAGE_PATH)."
    }

    function script:Read-Entry([System.IO.Compression.ZipArchive] $Zip, [string] $Name) {
        $reader = [System.IO.StreamReader]::new($Zip.GetEntry($Name).Open())
        try { $reader.ReadToEnd() } finally { $reader.Dispose() }
    }
}

Describe 'The module package' -Tag Package {
    It 'is named AirRemediation.<version>.nupkg and holds the nuspec and the module at its root' {
        Split-Path $package -Leaf | Should -Be "AirRemediation.$($manifest.ModuleVersion).nupkg"
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
        try {
            $names = $zip.Entries.FullName
            foreach ($n in 'AirRemediation.nuspec', 'AirRemediation.psd1', 'AirRemediation.dll', 'AirRemediation.Format.ps1xml',
                'en-US/AirRemediation.dll-Help.xml', 'en-US/about_AirRemediation.help.txt', 'Dependencies/AirRemediation.Engine.dll', '[Content_Types].xml') {
                $names | Should -Contain $n
            }
            $names | Where-Object { $_ -like '*\*' } | Should -BeNullOrEmpty -Because 'zip entry names use forward slashes'
            [xml] $nuspec = Read-Entry $zip 'AirRemediation.nuspec'
            $m = $nuspec.package.metadata
            $m.id | Should -Be 'AirRemediation'
            $m.version | Should -Be $manifest.ModuleVersion
            $m.authors | Should -Be $manifest.Author
            $m.description | Should -Be $manifest.Description
            $tags = $m.tags -split ' '
            $tags | Should -Contain 'PSModule'
            $tags | Should -Contain 'PSIncludes_Cmdlet'
            foreach ($c in $manifest.CmdletsToExport) { $tags | Should -Contain "PSCmdlet_$c" }
        }
        finally { $zip.Dispose() }
    }

    It 'Install-PSResource installs it from a local repository, and Import-Module AirRemediation works from there' {
        $work = Join-Path ([IO.Path]::GetTempPath()) "air-package-$([guid]::NewGuid().ToString('n'))"
        $fakeHome = Join-Path $work 'home'
        $repo = Join-Path $work 'repo'
        # The data folder must exist: .NET reports LocalApplicationData as '' when it does not, and PSResourceGet then
        # keeps its repository list in a relative 'PSResourceGet' folder of the working directory.
        New-Item -ItemType Directory -Path (Join-Path $fakeHome '.local/share'), $repo | Out-Null
        Copy-Item $package $repo
        $userModules = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'powershell/Modules/AirRemediation'
        $userHadIt = Test-Path $userModules
        try {
            $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name AirLocal -Uri '$repo' -Trusted
Install-PSResource -Name AirRemediation -Repository AirLocal -Scope CurrentUser -TrustRepository -Quiet
"installed=" + (Get-InstalledPSResource -Name AirRemediation).InstalledLocation
Import-Module AirRemediation
`$module = Get-Module AirRemediation
"base=" + `$module.ModuleBase
"version=" + `$module.Version
Get-Command -Module AirRemediation -CommandType Cmdlet | ForEach-Object { "cmdlet=" + `$_.Name }
"help=" + (Get-Help Invoke-AirSoftDelete).Synopsis
try { Get-AirConnection -ErrorAction Stop } catch { "engine=" + `$_.FullyQualifiedErrorId }
"@
            $environment = @{
                HOME = $fakeHome; XDG_DATA_HOME = (Join-Path $fakeHome '.local/share'); XDG_CONFIG_HOME = (Join-Path $fakeHome '.config')
                XDG_CACHE_HOME = (Join-Path $fakeHome '.cache'); PSModulePath = $null; LOCALAPPDATA = $null
            }
            # Run from the temporary folder, so nothing can land in the caller's working directory either.
            Push-Location $work
            try { $r = Invoke-ChildPwsh -Script $script -Environment $environment }
            finally { Pop-Location }
            $text = $r.Output -join "`n"
            $r.ExitCode | Should -Be 0 -Because $text
            $base = ($r.Output | Where-Object { $_ -like 'base=*' }) -replace '^base='
            $base | Should -BeLike "$fakeHome*" -Because 'the module must load from where Install-PSResource put it'
            $base | Should -Match "AirRemediation[\\/]$([regex]::Escape($manifest.ModuleVersion))$"
            ($r.Output | Where-Object { $_ -like 'version=*' }) | Should -Be "version=$($manifest.ModuleVersion)"
            $cmdlets = @($r.Output | Where-Object { $_ -like 'cmdlet=*' } | ForEach-Object { $_.Substring(7) })
            $cmdlets | Sort-Object | Should -Be @($manifest.CmdletsToExport | Sort-Object)
            ($r.Output | Where-Object { $_ -like 'help=*' }) | Should -Be 'help=Soft deletes email: specific messages in mailboxes, or every message of a cluster across chosen or all mailboxes.'
            ($r.Output | Where-Object { $_ -like 'engine=*' }) | Should -BeLike 'engine=AirNotConnected,*' -Because 'the Engine must load from the installed Dependencies folder'
            Test-Path (Join-Path $base 'AirRemediation.nuspec') | Should -BeFalse -Because 'the installer removes the package metadata'
            Test-Path $userModules | Should -Be $userHadIt -Because "the test must not install into the user's own module path"
            Join-Path $fakeHome '.local/share/PSResourceGet' | Should -Exist -Because 'the repository registration belongs to the temporary HOME'
            Join-Path $work 'PSResourceGet' | Should -Not -Exist
        }
        finally { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
