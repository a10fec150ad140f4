# The module next to other versions of its shared dependencies (what Az, Microsoft.Graph and ExchangeOnlineManagement
# bring), in either load order. The other versions come from the NuGet cache (PackageDownload in AirRemediation.Tests).
BeforeDiscovery {
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $script:sets = @(
        @{ Name = 'older'; AzureCore = "$nuget/azure.core/1.36.0/lib/net6.0/Azure.Core.dll"; Msal = "$nuget/microsoft.identity.client/4.61.3/lib/net6.0/Microsoft.Identity.Client.dll"; Abstractions = "$nuget/microsoft.identitymodel.abstractions/6.35.0/lib/net6.0/Microsoft.IdentityModel.Abstractions.dll"; Extra = @(); CoreVersion = '1.36.0.0'; MsalVersion = '4.61.3.0' }
        @{ Name = 'newer'; AzureCore = "$nuget/azure.core/1.64.0/lib/net8.0/Azure.Core.dll"; Msal = "$nuget/microsoft.identity.client/4.92.0/lib/net8.0/Microsoft.Identity.Client.dll"; Abstractions = "$nuget/microsoft.identitymodel.abstractions/8.14.0/lib/net8.0/Microsoft.IdentityModel.Abstractions.dll"; Extra = @("$nuget/system.clientmodel/1.16.0/lib/net8.0/System.ClientModel.dll"); CoreVersion = '1.64.0.0'; MsalVersion = '4.92.0.0' }
    )
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    $script:sim = Start-AirSimulator
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'

    function script:New-Script([hashtable] $Set, [string] $Order) {
        $load = ($Set.Extra | ForEach-Object { "Add-Type -Path '$_'" }) -join "`n"
        $load += @"

Add-Type -Path '$($Set.Abstractions)'
Add-Type -Path '$($Set.Msal)'
Add-Type -Path '$($Set.AzureCore)'
"@
        # Code that uses the other versions, as another module would.
        $use = @"
`$token = [Azure.Core.AccessToken]::new('other-module-token', [DateTimeOffset]::UtcNow.AddHours(1))
`$msalApp = [Microsoft.Identity.Client.ConfidentialClientApplicationBuilder]::Create('00000000-0000-0000-0000-000000000001').WithClientSecret('x').WithTenantId('contoso.example').Build()
"other-code-ok core=`$([Azure.Core.AccessToken].Assembly.GetName().Version) msal=`$(`$msalApp.GetType().Assembly.GetName().Version)"
"@
        $ours = @"
Import-Module '$($env:AIR_MODULE_PATH)'
`$c = Connect-AirService -TenantId '$($sim.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($sim.authority)' -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)'
"ours-ok identity=`$(`$c.Identity)"
"@
        $body = if ($Order -eq 'theirs-first') { "$load`n$use`n$ours`n$use" } else { "$ours`n$load`n$use" }
        "`$ErrorActionPreference = 'Stop'`n$body`n" +
            "'contexts=' + ((`[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Azure.Core' } | ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name + ':' + `$_.GetName().Version } | Sort-Object) -join ',')"
    }
}
AfterAll { $sim | Stop-AirSimulator }

Describe 'Coexistence with <Name> Azure.Core and MSAL' -ForEach $sets {
    It 'the files of the other versions are in the NuGet cache' {
        $AzureCore | Should -Exist
        $Msal | Should -Exist
        $Abstractions | Should -Exist
    }

    It 'imports and signs in after the other versions loaded, and their code still works' {
        $r = Invoke-ChildPwsh -Script (New-Script $_ 'theirs-first')
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain "ours-ok identity=$($app.displayName)"
        ($r.Output | Where-Object { $_ -like 'other-code-ok*' }).Count | Should -Be 2
        ($r.Output | Where-Object { $_ -like 'other-code-ok*' })[1] | Should -BeLike "*core=$CoreVersion msal=$MsalVersion"
        ($r.Output | Where-Object { $_ -like 'contexts=*' }) | Should -Match "Default:$([regex]::Escape($CoreVersion))"
        ($r.Output | Where-Object { $_ -like 'contexts=*' }) | Should -Match 'AirRemediation\.Engine:'
    }

    It 'other code using those versions works after the module loaded and signed in' {
        $r = Invoke-ChildPwsh -Script (New-Script $_ 'ours-first')
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain "ours-ok identity=$($app.displayName)"
        ($r.Output | Where-Object { $_ -like 'other-code-ok*' }) | Should -BeLike "*core=$CoreVersion msal=$MsalVersion"
    }
}

# build.ps1 leaves ReadyToRun copies for the building platform under Dependencies/r2r/<os>-<arch>/; the load context
# prefers them there and loads the portable assemblies otherwise (a module copied to another platform has no folder
# for it, which is what the second test builds by leaving the folder out).
Describe 'Precompiled and portable dependencies' {
    BeforeAll {
        $script:moduleDir = Split-Path $env:AIR_MODULE_PATH
        $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $script:platform = "$os-$arch"
        function script:Get-LoadedFrom([string] $ModulePath) {
            $r = Invoke-ChildPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$c = Connect-AirService -TenantId '$($sim.tenantId)' -ClientId '$($app.clientId)' -ClientSecret (ConvertTo-SecureString '$($app.secrets[0])' -AsPlainText -Force) -AuthorityHost '$($sim.authority)' -GraphEndpoint '$($sim.graph)' -ExchangeEndpoint '$($sim.exchange)'
"ours-ok identity=`$(`$c.Identity)"
foreach (`$name in 'AirRemediation.Engine', 'Azure.Core', 'Microsoft.Graph') {
    `$a = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq `$name -and [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name -eq 'AirRemediation.Engine' }
    "loaded `$name=`$(`$a.Location)"
}
"@
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain "ours-ok identity=$($app.displayName)"
            $map = @{}
            foreach ($line in $r.Output | Where-Object { $_ -like 'loaded *' }) { $k, $v = $line.Substring(7) -split '=', 2; $map[$k] = $v }
            $map
        }
    }

    It 'the build left precompiled copies for this platform, without the Graph SDK models' {
        $dir = Join-Path $moduleDir "Dependencies/r2r/$platform"
        Test-Path (Join-Path $dir 'AirRemediation.Engine.dll') | Should -BeTrue
        Test-Path (Join-Path $dir 'Microsoft.Graph.dll') | Should -BeFalse
    }

    It 'loads the precompiled copies on this platform and the portable ones where there are none' {
        $loaded = Get-LoadedFrom $env:AIR_MODULE_PATH
        $loaded['AirRemediation.Engine'] | Should -Be (Join-Path $moduleDir "Dependencies/r2r/$platform/AirRemediation.Engine.dll")
        $loaded['Azure.Core'] | Should -Be (Join-Path $moduleDir "Dependencies/r2r/$platform/Azure.Core.dll")
        $loaded['Microsoft.Graph'] | Should -Be (Join-Path $moduleDir 'Dependencies/Microsoft.Graph.dll')
    }

    It 'runs on the portable assemblies alone when the precompiled folder is not there (the module on another platform)' {
        $copy = Join-Path ([IO.Path]::GetTempPath()) "air-portable-$([guid]::NewGuid().ToString('n'))"
        Copy-Item $moduleDir $copy -Recurse
        try {
            Remove-Item (Join-Path $copy 'Dependencies/r2r') -Recurse -Force
            $loaded = Get-LoadedFrom (Join-Path $copy 'AirRemediation.psd1')
            $loaded['AirRemediation.Engine'] | Should -Be (Join-Path $copy 'Dependencies/AirRemediation.Engine.dll')
            $loaded['Azure.Core'] | Should -Be (Join-Path $copy 'Dependencies/Azure.Core.dll')
        }
        finally { Remove-Item $copy -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
