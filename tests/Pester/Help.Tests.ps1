# Get-Help for every exported cmdlet, from the built module (issue 9). The cmdlet list comes from the manifest, so a
# new cmdlet without a page (docs/en-US/<Verb-Noun>.md, format in docs/en-US/README.md) fails here.
BeforeDiscovery {
    $manifest = Import-PowerShellDataFile $env:AIR_MODULE_PATH
    Import-Module $env:AIR_MODULE_PATH -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $script:cmdlets = foreach ($name in $manifest.CmdletsToExport) {
        $command = Get-Command $name -Module AirRemediation -ErrorAction SilentlyContinue
        @{
            Name       = $name
            Parameters = @(if ($command) { $command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object })
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'AirTestHelpers.psm1') -Force
    Import-Module $env:AIR_MODULE_PATH -Force
    $script:repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function script:Get-Text($Node) {
        # MAML descriptions arrive as arrays of objects with a Text property.
        (@($Node) | Where-Object { $_ } | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n"
    }
}

Describe 'Help of <Name>' -Tag Help -ForEach $cmdlets {
    BeforeAll {
        $script:help = Get-Help $Name -Full
    }

    It 'has a source page docs/en-US/<Name>.md' {
        Join-Path $repoRoot "docs/en-US/$Name.md" | Should -Exist
    }

    It 'has a synopsis written for it (not the generated syntax)' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)" -Because 'Get-Help shows the syntax as the synopsis when a cmdlet has no help'
        Get-Text $help.details.description | Should -Not -BeNullOrEmpty
    }

    It 'has a description' {
        Get-Text $help.description | Should -Not -BeNullOrEmpty
    }

    It 'describes -<_>' -ForEach $Parameters {
        $name = $_
        $parameter = @($help.parameters.parameter) | Where-Object name -eq $name | Select-Object -First 1
        $parameter | Should -Not -BeNullOrEmpty -Because "-$name must appear in the help"
        Get-Text $parameter.description | Should -Not -BeNullOrEmpty -Because "-$name needs a description in docs/en-US/$($help.Name).md"
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            "$($e.code)".Trim() | Should -Not -BeNullOrEmpty -Because "$($e.title) needs code"
            Get-Text $e.remarks | Should -Not -BeNullOrEmpty -Because "$($e.title) needs an explanation"
        }
    }
}

Describe 'Help as an admin reads it' -Tag Help {
    It 'Get-Help Invoke-AirSoftDelete -Examples shows real examples, including a runbook' {
        $text = Get-Help Invoke-AirSoftDelete -Examples | Out-String -Width 200
        $text | Should -Match 'Example 1: '
        $text | Should -Match 'Invoke-AirSoftDelete -Mailbox \S+@'
        $text | Should -Match 'Connect-AirService -ManagedIdentity'
        $text | Should -Match 'Recoverable Items'
    }

    It 'Get-Help Approve-AirAction -Examples shows real examples, including a runbook' -Skip:(-not (Get-Command Approve-AirAction -ErrorAction SilentlyContinue)) {
        $text = Get-Help Approve-AirAction -Examples | Out-String -Width 200
        $text | Should -Match 'Example 1: '
        $text | Should -Match 'Approve-AirAction -Id A-\w+'
        $text | Should -Match 'Connect-AirService .*-Certificate|Connect-AirService -ManagedIdentity'
    }

    It 'Get-Help -Full takes parameter facts from the real cmdlet' {
        $p = Get-Help Invoke-AirSoftDelete -Parameter Mailbox
        $p.required | Should -Be 'true'
        $p.pipelineInput | Should -Be 'True (ByPropertyName)'
        $p.aliases | Should -Match 'RecipientEmailAddress'
        (Get-Help Connect-AirService -Parameter Environment).defaultValue | Should -Be 'Global'
        (Get-Help Resume-AirAction -Parameter Id).position | Should -Be '0'
        (Get-Help Invoke-AirSoftDelete -Full | Out-String -Width 300) | Should -Match 'Invoke-AirSoftDelete -AllMailboxes \[-InternetMessageId <String\[\]>\]'
    }

    It 'Get-Help about_AirRemediation finds the about topic' {
        $about = Get-Help about_AirRemediation
        $about | Should -Not -BeNullOrEmpty
        $about.Name | Should -Be 'about_AirRemediation'
        $text = $about | Out-String
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'LONG DESCRIPTION'
        $text | Should -Match 'Invoke-AirSoftDelete'
    }
}

Describe 'The help build' -Tag Help {
    It 'fails with file:line messages when a page is malformed' {
        $docs = Join-Path ([IO.Path]::GetTempPath()) "air-help-$([guid]::NewGuid().ToString('n'))"
        New-Item -ItemType Directory -Path $docs | Out-Null
        try {
            $page = Get-Content (Join-Path $repoRoot 'docs/en-US/Undo-AirAction.md') -Raw
            $page = $page.Replace('### Example 2: ', '### Example 7: ').Replace('### -Force', '### -Forcefully').Replace('## SYNOPSIS', '## Synopsis')
            Set-Content (Join-Path $docs 'Undo-AirAction.md') $page
            $builder = Join-Path $repoRoot 'build/HelpBuilder.ps1'
            $r = Invoke-ChildPwsh -Script "& '$builder' -DocsPath '$docs' -ModulePath '$($env:AIR_MODULE_PATH)' -OutputPath '$docs/out'; exit `$LASTEXITCODE"
            $r.ExitCode | Should -Not -Be 0
            $text = $r.Output -join "`n"
            $text | Should -Match 'Undo-AirAction\.md:\d+: unknown section .## Synopsis.'
            $text | Should -Match 'Undo-AirAction\.md:\d+: example number 7 should be 2'
            $text | Should -Match 'Undo-AirAction\.md:\d+: Undo-AirAction has no parameter -Forcefully'
            Join-Path $docs 'out/AirRemediation.dll-Help.xml' | Should -Not -Exist
        }
        finally { Remove-Item $docs -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
