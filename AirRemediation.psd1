# AirRemediation module manifest. Kept by hand: exports are listed explicitly, and a Pester test compares them with
# what the built module really exports. ModuleVersion is the one place the version lives (Directory.Build.props reads it).
@{
    RootModule             = 'AirRemediation.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6c0f3a52-6f0e-4f3e-9a43-2f6f0d8c1a77'
    Author                 = 'AirRemediation contributors'
    CompanyName            = 'AirRemediation'
    Copyright              = '(c) AirRemediation contributors. All rights reserved.'
    Description            = 'Office 365 Automated Investigation and Response remediation from PowerShell: soft delete emails and email clusters, block URLs at time of click, turn off external forwarding, with an approval queue, journal and audit trail.'
    CompatiblePSEditions   = @('Core')
    PowerShellVersion      = '7.6'
    FormatsToProcess       = @('AirRemediation.Format.ps1xml')
    CmdletsToExport        = @(
        'Connect-AirService'
        'Disconnect-AirService'
        'Get-AirConnection'
        'Invoke-AirSoftDelete'
        'Resume-AirAction'
        'Undo-AirAction'
        'Get-AirInvestigation'
        'Get-AirPendingAction'
        'Get-AirAction'
        'New-AirAction'
        'Approve-AirAction'
        'Invoke-AirApprovedAction'
        'Deny-AirAction'
        'Test-AirPermission'
        'Test-AirAuditTrail'
        'Test-AirTenant'
        'Set-AirApprovalPolicy'
        'Block-AirUrl'
        'Unblock-AirUrl'
        'Get-AirUrlBlock'
        'Disable-AirMailForwarding'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @('Reject-AirAction')
    PrivateData            = @{
        PSData = @{
            Tags         = @('Office365', 'Exchange', 'Defender', 'AIR', 'Security', 'Remediation', 'Graph', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://example.invalid/AirRemediation'
            ReleaseNotes = 'See README.md.'
        }
    }
}
