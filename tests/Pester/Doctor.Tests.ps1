# Issue 16 item 3 against the built module: Test-AirTenant runs clean against the simulator, prints a readable table,
# and what -RecordTo writes holds no value of the tenant.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:sim = Start-AirSimulator
    $script:scenario = Get-AirScenario
    $script:app = $scenario.apps | Where-Object displayName -eq 'AirRemediation Automation'
    $endpoints = Get-SimulatorConnectParameters $sim
    $script:store = Join-Path ([IO.Path]::GetTempPath()) ("air-doctor-" + [guid]::NewGuid().ToString('n') + '.db')
    $null = Connect-AirService -TenantId $sim.tenantId -ClientId $app.clientId -ClientSecret (ConvertTo-SecureString $app.secrets[0] -AsPlainText -Force) @endpoints -ActionStorePath $store
}
AfterAll {
    Disconnect-AirService
    $sim | Stop-AirSimulator
}

Describe 'Test-AirTenant' {
    It 'passes every probe it can run against the simulator and prints one line per probe' {
        $probes = @(Test-AirTenant -WarningVariable warned)
        $probes.Count | Should -BeGreaterThan 15
        @($probes | Where-Object Result -eq 'Fail') | Should -BeNullOrEmpty
        $warned | Should -BeNullOrEmpty
        ($probes | Where-Object Probe -eq 'Message $filter: combined').Result | Should -Be 'Pass'
        ($probes | Where-Object Probe -eq 'Missing mailbox: error shape').Result | Should -Be 'Pass'
        $table = $probes | Format-Table | Out-String -Width 200
        $table | Should -Match 'Result\s+Area\s+Probe\s+Status\s+Code\s+Detail'
        $table | Should -Match 'Pass\s+Graph\s+User by object id\s+200'
    }

    It 'writes response shapes without any address, subject, id or token of the tenant' {
        $folder = Join-Path ([IO.Path]::GetTempPath()) ("air-shapes-" + [guid]::NewGuid().ToString('n'))
        try {
            $null = Test-AirTenant -RecordTo $folder
            $files = @(Get-ChildItem $folder -Filter *.json)
            $files.Count | Should -BeGreaterThan 15
            $text = ($files | Get-Content -Raw) -join "`n"
            $text | Should -Match '"shape"'
            $values = @($sim.tenantId) + @($scenario.users | ForEach-Object { $_.userPrincipalName; $_.mail; $_.displayName }) +
                @($scenario.mailboxes.messages | ForEach-Object { $_.subject; $_.internetMessageId; $_.from }) +
                @((Invoke-SimulatorApi $sim '/_simulator/secrets').all) + @((Invoke-SimulatorApi $sim '/_simulator/state').users | ForEach-Object { $_.id })
            foreach ($v in $values | Where-Object { $_ } | Select-Object -Unique) {
                $text.Contains($v, [StringComparison]::OrdinalIgnoreCase) | Should -BeFalse -Because "'$v' is a value of the tenant"
            }
        }
        finally { Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
