# The published module: imports cleanly, exports exactly what its manifest lists.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
}

Describe 'The published module' {
    It 'imports in a fresh pwsh without any warning or error' {
        $r = Invoke-ChildPwsh -Script @"
`$WarningPreference = 'Continue'
Import-Module '$($env:AIR_MODULE_PATH)' -WarningVariable w -ErrorVariable e 3>`$null
"warnings=`$(`$w.Count) errors=`$(`$e.Count)"
"@
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Contain 'warnings=0 errors=0'
    }

    It 'exports exactly the cmdlets and aliases the manifest lists' {
        $manifest = Import-PowerShellDataFile $env:AIR_MODULE_PATH
        $r = Invoke-ChildPwsh -Script @"
Import-Module '$($env:AIR_MODULE_PATH)'
(Get-Command -Module AirRemediation -CommandType Cmdlet).Name | Sort-Object | ForEach-Object { "cmdlet:`$_" }
(Get-Command -Module AirRemediation -CommandType Alias).Name | Sort-Object | ForEach-Object { "alias:`$_" }
"@
        $r.ExitCode | Should -Be 0
        $cmdlets = $r.Output | Where-Object { $_ -like 'cmdlet:*' } | ForEach-Object { $_.Substring(7) }
        $aliases = $r.Output | Where-Object { $_ -like 'alias:*' } | ForEach-Object { $_.Substring(6) }
        $cmdlets | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        @($aliases) | Should -Be @($manifest.AliasesToExport | Sort-Object)
    }

    It 'loads the Engine into its private load context, not the default one' {
        $r = Invoke-ChildPwsh -Script @"
Import-Module '$($env:AIR_MODULE_PATH)'
try { Get-AirConnection -ErrorAction Stop } catch { }
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'AirRemediation.Engine' }
"context=" + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).Name
"@
        $r.Output | Should -Contain 'context=AirRemediation.Engine'
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        $manifest = Import-PowerShellDataFile $env:AIR_MODULE_PATH
        foreach ($name in $manifest.CmdletsToExport) {
            $approved | Should -Contain ($name -split '-')[0] -Because "$name must use an approved verb"
        }
    }
}
