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
