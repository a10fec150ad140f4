<#
.SYNOPSIS
    Turns the markdown help pages in docs/en-US into the module's MAML help and about-topic text.

.DESCRIPTION
    platyPS is not available (the PowerShell Gallery is not reachable), so this is our own converter. It runs in a
    child pwsh started by build.ps1 because it imports the just-published module: syntax, parameter types, whether a
    parameter is required, its position, pipeline input, aliases, valid values and defaults all come from the real
    cmdlet metadata, so the help can never disagree with the code. The pages supply only what people write: synopsis,
    description, parameter descriptions, examples, inputs, outputs, notes and related links.

    The page format is described in docs/en-US/README.md. A malformed page stops the build with every problem listed
    as file:line: message. An exported cmdlet without a page only warns here (others add cmdlets in parallel); the
    Pester help test (tests/Pester/Help.Tests.ps1) is what fails for it.

    Output: <OutputPath>/AirRemediation.dll-Help.xml and <OutputPath>/about_*.help.txt.

.PARAMETER DocsPath
    The folder with the pages (docs/en-US).

.PARAMETER ModulePath
    The published module manifest (out/AirRemediation/<version>/AirRemediation.psd1).

.PARAMETER OutputPath
    Where to write the help files; default: en-US next to the manifest.

.PARAMETER UpdateSyntax
    Instead of building, rewrite the SYNTAX section of every cmdlet page from the real metadata (for readers of the
    markdown; the built help always takes its syntax from the metadata).

.EXAMPLE
    dotnet pwsh -NoProfile -File build/HelpBuilder.ps1 -DocsPath docs/en-US -ModulePath out/AirRemediation/0.1.0/AirRemediation.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $OutputPath,
    [switch] $UpdateSyntax
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$DocsPath = (Resolve-Path $DocsPath).Path
$ModulePath = (Resolve-Path $ModulePath).Path
if (-not $OutputPath) { $OutputPath = Join-Path (Split-Path $ModulePath) 'en-US' }

# The section names of a cmdlet page, in the order they must appear. SYNTAX is optional.
$script:CmdletSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLES', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
# INPUTS (then derived from the parameters that take pipeline input) and RELATED LINKS may be left out too.
$script:OptionalSections = @('SYNTAX', 'INPUTS', 'RELATED LINKS')
$script:Problems = [System.Collections.Generic.List[string]]::new()

# Descriptions for the risk-mitigation parameters, used when a page does not describe them itself.
$script:StandardParameterText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run and nothing is changed.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

function Add-Problem([string] $File, [int] $Line, [string] $Message) {
    $script:Problems.Add("$(Split-Path $File -Leaf):$($Line): $Message")
}

#region Markdown reading

function Read-Lines([string] $Path) {
    # Numbered lines; headings inside fenced code (PowerShell comments start with '#') are not headings.
    $n = 0
    $inFence = $false
    foreach ($text in [IO.File]::ReadAllLines($Path)) {
        $n++
        $isFence = $text -match '^\s*```'
        [pscustomobject]@{ N = $n; Text = $text.TrimEnd(); InFence = $inFence -or $isFence; IsFence = $isFence }
        if ($isFence) { $inFence = -not $inFence }
    }
}

function Split-Sections([object[]] $Lines, [string] $Level) {
    # Groups lines under headings of one level ('##' or '###'); lines before the first heading go to ''.
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Title = ''; Line = 0; Body = [System.Collections.Generic.List[object]]::new() }
    $pattern = '^' + [regex]::Escape($Level) + '\s+(.+?)\s*$'
    foreach ($l in $Lines) {
        if (-not $l.InFence -and $l.Text -match $pattern) {
            $sections.Add($current)
            $current = [pscustomobject]@{ Title = $Matches[1]; Line = $l.N; Body = [System.Collections.Generic.List[object]]::new() }
        } else {
            $current.Body.Add($l)
        }
    }
    $sections.Add($current)
    $sections
}

function Test-Blank([object[]] $Lines) {
    -not ($Lines | Where-Object { $_.Text.Trim() })
}

function ConvertTo-PlainInline([string] $Text) {
    # Console help has no markup: links become "text (uri)", code spans and emphasis lose their marks.
    $t = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)\s]+)\)', { param($m) if ($m.Groups[2].Value -match '^https?://') { "$($m.Groups[1].Value) ($($m.Groups[2].Value))" } else { $m.Groups[1].Value } })
    $t = [regex]::Replace($t, '\[([^\]]+)\]\(\)', '$1')
    $t = [regex]::Replace($t, '`([^`]+)`', '$1')
    $t = [regex]::Replace($t, '\*\*([^*]+)\*\*', '$1')
    $t = [regex]::Replace($t, '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1')
    $t.Replace('&lt;', '<').Replace('&gt;', '>').Replace('\<', '<').Replace('\>', '>')
}

function ConvertTo-Paragraphs([object[]] $Lines, [string] $File) {
    # Prose becomes one paragraph per blank-line-separated block; list items one paragraph each ("- item");
    # fenced code one paragraph with its lines kept and indented.
    $paras = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $code = $null
    $flush = {
        if ($buffer.Count) { $paras.Add((ConvertTo-PlainInline ($buffer -join ' '))); $buffer.Clear() }
    }
    foreach ($l in $Lines) {
        if ($null -ne $code) {
            if ($l.IsFence) { $paras.Add(($code -join "`n")); $code = $null }
            else { $code.Add('    ' + $l.Text) }
            continue
        }
        if ($l.IsFence) { & $flush; $code = [System.Collections.Generic.List[string]]::new(); continue }
        $t = $l.Text.Trim()
        if (-not $t) { & $flush; continue }
        if ($t -match '^#{1,6}\s') { Add-Problem $File $l.N "unexpected heading '$t' here (see docs/en-US/README.md for the page layout)"; continue }
        if ($t -match '^([-*+]|\d+\.)\s+(.*)$') {
            & $flush
            $bullet = $Matches[1]; $item = $Matches[2]
            $marker = if ($bullet -match '\d') { $bullet } else { '-' }
            $buffer.Add("$marker $item")
            continue
        }
        $buffer.Add($t)
    }
    if ($null -ne $code) { Add-Problem $File ($Lines[-1].N) 'a fenced code block is not closed' }
    & $flush
    , $paras.ToArray()
}

function Read-CmdletPage([string] $Path) {
    $name = [IO.Path]::GetFileNameWithoutExtension($Path)
    $lines = @(Read-Lines $Path)
    $page = [ordered]@{
        Name = $name; File = $Path; Synopsis = ''; Description = @(); Parameters = [ordered]@{}; ParameterLines = @{}
        Examples = [System.Collections.Generic.List[object]]::new(); Inputs = $null; Outputs = @(); Notes = @(); Links = @()
    }
    $top = @(Split-Sections $lines '##')
    $preamble = @($top[0].Body | Where-Object { $_.Text.Trim() })
    if (-not $preamble -or $preamble[0].Text -ne "# $name") {
        Add-Problem $Path 1 "the page must start with '# $name' (the file name is the cmdlet name)"
    }
    if ($preamble.Count -gt 1) { Add-Problem $Path $preamble[1].N "only the '# $name' title may come before '## SYNOPSIS'" }

    $seen = @()
    foreach ($s in $top | Select-Object -Skip 1) {
        if ($s.Title -cnotin $CmdletSections) {
            Add-Problem $Path $s.Line "unknown section '## $($s.Title)'; expected one of: $($CmdletSections -join ', ') (upper case)"
            continue
        }
        if ($s.Title -in $seen) { Add-Problem $Path $s.Line "section '## $($s.Title)' appears twice"; continue }
        $expectedIndex = $CmdletSections.IndexOf($s.Title)
        if ($seen -and $CmdletSections.IndexOf($seen[-1]) -gt $expectedIndex) {
            Add-Problem $Path $s.Line "section '## $($s.Title)' is out of order; the order is: $($CmdletSections -join ', ')"
        }
        $seen += $s.Title
        switch ($s.Title) {
            'SYNOPSIS' {
                $p = ConvertTo-Paragraphs $s.Body $Path
                if (-not $p) { Add-Problem $Path $s.Line 'SYNOPSIS is empty' }
                $page.Synopsis = ($p -join ' ')
            }
            'SYNTAX' { }   # taken from the real metadata; -UpdateSyntax rewrites it for readers of the markdown
            'DESCRIPTION' {
                $page.Description = ConvertTo-Paragraphs $s.Body $Path
                if (-not $page.Description) { Add-Problem $Path $s.Line 'DESCRIPTION is empty' }
            }
            'PARAMETERS' { Read-ParameterSection $page $s }
            'EXAMPLES' { Read-ExampleSection $page $s }
            'INPUTS' { $page.Inputs = Read-TypeSection $Path $s }
            'OUTPUTS' { $page.Outputs = Read-TypeSection $Path $s }
            'NOTES' { $page.Notes = ConvertTo-Paragraphs $s.Body $Path }
            'RELATED LINKS' { $page.Links = Read-LinkSection $Path $s }
        }
    }
    foreach ($required in $CmdletSections | Where-Object { $_ -notin $OptionalSections -and $_ -notin $seen }) {
        Add-Problem $Path 1 "section '## $required' is missing"
    }
    [pscustomobject]$page
}

function Read-ParameterSection($Page, $Section) {
    $subs = @(Split-Sections $Section.Body '###')
    if (-not (Test-Blank $subs[0].Body)) { Add-Problem $Page.File $Section.Line "text under '## PARAMETERS' must be inside a '### -Name' subsection" }
    foreach ($sub in $subs | Select-Object -Skip 1) {
        if ($sub.Title -eq 'CommonParameters') { continue }   # Get-Help describes the common parameters itself
        if ($sub.Title -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') {
            Add-Problem $Page.File $sub.Line "parameter headings are '### -Name', not '### $($sub.Title)'"
            continue
        }
        $pname = $Matches[1]
        if ($Page.Parameters.Contains($pname)) { Add-Problem $Page.File $sub.Line "parameter -$pname is described twice"; continue }
        # A platyPS-style ```yaml block is tolerated and ignored: those facts come from the cmdlet's metadata.
        $body = [System.Collections.Generic.List[object]]::new()
        $inYaml = $false
        foreach ($l in $sub.Body) {
            if ($l.IsFence -and $l.Text -match '^\s*```\s*ya?ml\s*$') { $inYaml = $true; continue }
            if ($inYaml) { if ($l.IsFence) { $inYaml = $false }; continue }
            $body.Add($l)
        }
        $text = ConvertTo-Paragraphs $body $Page.File
        if (-not $text) { Add-Problem $Page.File $sub.Line "parameter -$pname has no description" }
        $Page.Parameters[$pname] = $text
        $Page.ParameterLines[$pname] = $sub.Line
    }
}

function Read-ExampleSection($Page, $Section) {
    $subs = @(Split-Sections $Section.Body '###')
    if (-not (Test-Blank $subs[0].Body)) { Add-Problem $Page.File $Section.Line "text under '## EXAMPLES' must be inside a '### Example N: title' subsection" }
    $expected = 1
    foreach ($sub in $subs | Select-Object -Skip 1) {
        if ($sub.Title -notmatch '^Example (\d+)(?::\s*(\S.*))?$') {
            Add-Problem $Page.File $sub.Line "example headings are '### Example $($expected): <title>', not '### $($sub.Title)'"
            $expected++
            continue
        }
        if ([int]$Matches[1] -ne $expected) { Add-Problem $Page.File $sub.Line "example number $($Matches[1]) should be $expected (number them 1, 2, 3, ...)" }
        # The title after the colon is recommended; a bare '### Example N' is accepted.
        $title = if ($Matches.ContainsKey(2)) { $Matches[2] } else { '' }
        $body = @($sub.Body)
        # The ```powershell block comes first, then the explanation (which may hold further fenced blocks, e.g. output).
        $first = $body | Where-Object { $_.Text.Trim() } | Select-Object -First 1
        if (-not $first -or $first.Text.Trim() -notmatch '^```(powershell|pwsh|ps1?)$') {
            Add-Problem $Page.File $sub.Line "Example $expected must start with a ``````powershell code block"
            $expected++
            continue
        }
        $start = [array]::IndexOf($body, $first)
        $end = -1
        for ($i = $start + 1; $i -lt $body.Count; $i++) { if ($body[$i].IsFence) { $end = $i; break } }
        if ($end -lt 0) { Add-Problem $Page.File $first.N 'the code block is not closed'; $expected++; continue }
        $code = if ($end -gt $start + 1) { ($body[($start + 1)..($end - 1)] | ForEach-Object Text) -join "`n" } else { '' }
        if (-not $code.Trim()) { Add-Problem $Page.File $first.N "Example $expected has an empty code block" }
        $rest = if ($end + 1 -lt $body.Count) { $body[($end + 1)..($body.Count - 1)] } else { @() }
        $remarks = ConvertTo-Paragraphs $rest $Page.File
        if (-not $remarks) { Add-Problem $Page.File $sub.Line "Example $expected needs an explanation after its code block" }
        $Page.Examples.Add([pscustomobject]@{ Number = $expected; Title = $title; Code = $code; Remarks = $remarks })
        $expected++
    }
}

function Read-TypeSection([string] $File, $Section) {
    # Preferred: '### Type.Name' subsections (use '### None' when there is nothing), each with an optional description.
    # Also accepted: paragraphs that start with the type, 'Type.Name: description' (or 'None.').
    $subs = @(Split-Sections $Section.Body '###')
    if ($subs.Count -ge 2) {
        if (-not (Test-Blank $subs[0].Body)) { Add-Problem $File $Section.Line "text under '## $($Section.Title)' must be inside a '### Type.Name' subsection (use '### None' for none)" }
        foreach ($sub in $subs | Select-Object -Skip 1) {
            [pscustomobject]@{ Type = (ConvertTo-PlainInline $sub.Title); Description = (ConvertTo-Paragraphs $sub.Body $File) }
        }
        return
    }
    $entries = [System.Collections.Generic.List[object]]::new()
    $paras = ConvertTo-Paragraphs $subs[0].Body $File   # one array; assigned first so foreach sees its items
    foreach ($p in $paras) {
        if ($p -match '^(?<type>None|[A-Za-z_]\w*(?:\.\w+)+(?:\[\])?)(?:\s*:\s*(?<text>.*)|\.?)$') {
            $text = if ($Matches['text']) { @($Matches['text']) } else { @() }
            $entries.Add([pscustomobject]@{ Type = $Matches['type']; Description = [string[]]$text })
        }
        elseif ($entries.Count) { $entries[-1].Description = [string[]](@($entries[-1].Description) + $p) }
        else {
            Add-Problem $File $Section.Line "'## $($Section.Title)' holds '### Type.Name' subsections, or paragraphs starting 'Type.Name: ...' ('### None' or 'None.' for none)"
            break
        }
    }
    if (-not $entries.Count -and -not $Problems.Count) {
        Add-Problem $File $Section.Line "'## $($Section.Title)' is empty; name the types ('### None' for none)"
    }
    $entries
}

function Get-DerivedInputs($Model) {
    # INPUTS left out of a page: say what the pipeline binds, from the metadata.
    $entries = foreach ($p in $Model.Parameters.Values) {
        $how = @($p.Pipeline | ForEach-Object Value | Where-Object { $_ -ne 'False' } | Select-Object -Unique)
        if (-not $how) { continue }
        $kinds = ($how -replace '^True \((.*)\)$', '$1') -join ', '
        $names = @($p.Name) + @($p.Aliases)
        $text = if ($kinds -match 'ByPropertyName') { "Bound to -$($p.Name) (${kinds}: a property named $($names -join ', ' -replace ', ([^,]+)$', ' or $1'))." } else { "Bound to -$($p.Name) ($kinds)." }
        [pscustomobject]@{ Type = $p.Type.Full; Description = @($text) }
    }
    if ($entries) { $entries } else { [pscustomobject]@{ Type = 'None'; Description = @('You cannot pipe objects to this cmdlet.') } }
}

function Read-LinkSection([string] $File, $Section) {
    foreach ($l in $Section.Body) {
        $t = $l.Text.Trim()
        if (-not $t) { continue }
        if ($t -match '^[-*]\s+\[([^\]]+)\]\(([^)]*)\)\s*$') { [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
        elseif ($t -match '^[-*]\s+(\S.*)$') { [pscustomobject]@{ Text = (ConvertTo-PlainInline $Matches[1]); Uri = '' } }
        else { Add-Problem $File $l.N "related links are list items: '- [Text](uri)' or '- Get-Command'" }
    }
}

function Read-AboutPage([string] $Path) {
    $name = [IO.Path]::GetFileNameWithoutExtension($Path)
    $lines = @(Read-Lines $Path)
    $top = @(Split-Sections $lines '##')
    $preamble = @($top[0].Body | Where-Object { $_.Text.Trim() })
    if (-not $preamble -or $preamble[0].Text -ne "# $name") { Add-Problem $Path 1 "the page must start with '# $name'" }
    $titles = @($top | Select-Object -Skip 1 | ForEach-Object { $_.Title.ToUpperInvariant() })
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if ($required -notin $titles) { Add-Problem $Path 1 "section '## $required' is missing" }
    }
    [pscustomobject]@{ Name = $name; Sections = @($top | Select-Object -Skip 1) }
}

#endregion

#region Metadata from the real cmdlets

function Get-FriendlyType([type] $Type) {
    $t = if ([Nullable]::GetUnderlyingType($Type)) { [Nullable]::GetUnderlyingType($Type) } else { $Type }
    [pscustomobject]@{ Short = $t.Name; Full = $t.FullName }
}

function Get-DefaultValue($Instance, [string] $Name) {
    # The cmdlet class's own initial property values are the defaults (Environment = Global, MaxMessages = 10000).
    $prop = $Instance.GetType().GetProperty($Name)
    if (-not $prop) { return 'None' }
    $v = $prop.GetValue($Instance)
    if ($null -eq $v) { return 'None' }
    if ($v -is [System.Management.Automation.SwitchParameter]) { return [string]$v.IsPresent }
    if ($v -is [array]) { if ($v.Count -eq 0) { return 'None' } else { return ($v -join ', ') } }
    if ($v -is [string] -and -not $v) { return 'None' }
    [string]$v
}

function Get-PipelineText($p) {
    $kinds = @()
    if ($p.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($p.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-PositionText($p) { if ($p.Position -ge 0) { [string]$p.Position } else { 'named' } }

function Join-PerSet([object[]] $PerSet) {
    # One value when every parameter set agrees; otherwise "True (ByPropertyName) in SetA, SetB; False in SetC",
    # in the order of the sets (default first).
    $values = [System.Collections.Generic.List[string]]::new()
    foreach ($e in $PerSet) { if (-not $values.Contains($e.Value)) { $values.Add($e.Value) } }
    if ($values.Count -eq 1) { return $values[0] }
    ($values | ForEach-Object { $v = $_; "$v in $(($PerSet | Where-Object Value -eq $v | ForEach-Object Set) -join ', ')" }) -join '; '
}

function Get-RequiredText($Model, [string] $Name) {
    # Get-Help shows Required? only for a plain true/false, so a parameter that is mandatory in some sets only is
    # "false" there, and its description says where it is required.
    $r = $Model.Parameters[$Name].Required
    if (@($r | Where-Object Value -eq 'false').Count -eq 0) { 'true' } else { 'false' }
}

function Get-RequiredNote($Model, [string] $Name) {
    $r = $Model.Parameters[$Name].Required
    $in = @($r | Where-Object Value -eq 'true' | ForEach-Object Set)
    $out = @($r | Where-Object Value -eq 'false' | ForEach-Object Set)
    if ($in -and $out) { "Required in the $($in -join ', ') parameter set$(if ($in.Count -gt 1) { 's' }); optional in $($out -join ', ')." }
}

function Get-CmdletModel([System.Management.Automation.CmdletInfo] $Command) {
    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $instance = [Activator]::CreateInstance($Command.ImplementingType)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    $params = [ordered]@{}
    foreach ($set in $sets) {
        foreach ($p in $set.Parameters) {
            if ($p.Name -in $common) { continue }
            if (-not $params.Contains($p.Name)) {
                $validate = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
                $params[$p.Name] = [pscustomobject]@{
                    Name = $p.Name; Type = (Get-FriendlyType $p.ParameterType); Aliases = @($p.Aliases)
                    IsSwitch = $p.ParameterType -eq [System.Management.Automation.SwitchParameter]
                    ValidValues = if ($validate) { @($validate.ValidValues) } else { @() }
                    Default = (Get-DefaultValue $instance $p.Name)
                    Required = [System.Collections.Generic.List[object]]::new()
                    Position = [System.Collections.Generic.List[object]]::new()
                    Pipeline = [System.Collections.Generic.List[object]]::new()
                }
            }
            $m = $params[$p.Name]
            $m.Required.Add([pscustomobject]@{ Set = $set.Name; Value = ([string]$p.IsMandatory).ToLowerInvariant() })
            $m.Position.Add([pscustomobject]@{ Set = $set.Name; Value = (Get-PositionText $p) })
            $m.Pipeline.Add([pscustomobject]@{ Set = $set.Name; Value = (Get-PipelineText $p) })
        }
    }
    $syntax = foreach ($set in $sets) {
        $ps = @($set.Parameters | Where-Object { $_.Name -notin $common })
        $risk = @($ps | Where-Object { $_.Name -in 'WhatIf', 'Confirm' })
        $rest = @($ps | Where-Object { $_.Name -notin 'WhatIf', 'Confirm' })
        $ordered = @($rest | Where-Object Position -ge 0 | Sort-Object Position) +
            @($rest | Where-Object { $_.Position -lt 0 -and $_.IsMandatory }) +
            @($rest | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory }) + $risk
        [pscustomobject]@{ Name = $set.Name; IsDefault = $set.IsDefault; Parameters = $ordered }
    }
    [pscustomobject]@{ Name = $Command.Name; Verb = $Command.Verb; Noun = $Command.Noun; Parameters = $params; Syntax = @($syntax) }
}

function Format-SyntaxLine($Model, $SyntaxItem) {
    $parts = foreach ($p in $SyntaxItem.Parameters) {
        $type = (Get-FriendlyType $p.ParameterType).Short
        $value = if ($p.ParameterType -eq [System.Management.Automation.SwitchParameter]) { '' } else { " <$type>" }
        $name = if ($p.Position -ge 0) { "[-$($p.Name)]" } else { "-$($p.Name)" }
        $text = "$name$value"
        if (-not $p.IsMandatory) { "[$text]" } else { $text }
    }
    "$($Model.Name) $((@($parts) + '[<CommonParameters>]') -join ' ')"
}

#endregion

#region MAML

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

function Write-Paras([System.Xml.XmlWriter] $W, [string[]] $Paras) {
    if (-not $Paras) { $W.WriteStartElement('maml', 'para', $ns.maml); $W.WriteEndElement(); return }
    foreach ($p in $Paras) { $W.WriteElementString('maml', 'para', $ns.maml, $p) }
}

function Write-Description([System.Xml.XmlWriter] $W, [string[]] $Paras) {
    $W.WriteStartElement('maml', 'description', $ns.maml)
    Write-Paras $W $Paras
    $W.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $W, $Model, [string] $Name, [string] $Required, [string] $Position, [string] $Pipeline, [string[]] $Text) {
    $m = $Model.Parameters[$Name]
    $W.WriteStartElement('command', 'parameter', $ns.command)
    $W.WriteAttributeString('required', $Required)
    $W.WriteAttributeString('variableLength', ([string]($m.Type.Short -like '*[[]]')).ToLowerInvariant())
    $W.WriteAttributeString('globbing', 'false')
    $W.WriteAttributeString('pipelineInput', $Pipeline)
    $W.WriteAttributeString('position', $Position)
    $W.WriteAttributeString('aliases', $(if ($m.Aliases) { $m.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $ns.maml, $Name)
    Write-Description $W $Text
    if ($m.ValidValues) {
        $W.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $m.ValidValues) {
            $W.WriteStartElement('command', 'parameterValue', $ns.command)
            $W.WriteAttributeString('required', 'false'); $W.WriteAttributeString('command', 'variableLength', $ns.command, 'false')
            $W.WriteString($v)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }
    if (-not $m.IsSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $ns.command)
        $W.WriteAttributeString('required', 'true'); $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($m.Type.Short)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $ns.dev)
    $W.WriteElementString('maml', 'name', $ns.maml, $m.Type.Full)
    $W.WriteElementString('maml', 'uri', $ns.maml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $ns.dev, $m.Default)
    $W.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $W, [string] $ListName, [string] $ItemName, [object[]] $Items) {
    $W.WriteStartElement('command', $ListName, $ns.command)
    foreach ($i in $Items) {
        $W.WriteStartElement('command', $ItemName, $ns.command)
        $W.WriteStartElement('dev', 'type', $ns.dev)
        $W.WriteElementString('maml', 'name', $ns.maml, $i.Type)
        $W.WriteEndElement()
        Write-Description $W $i.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $W, $Page, $Model) {
    $W.WriteStartElement('command', 'command', $ns.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') { $W.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix]) }

    $W.WriteStartElement('command', 'details', $ns.command)
    $W.WriteElementString('command', 'name', $ns.command, $Model.Name)
    $W.WriteElementString('command', 'verb', $ns.command, $Model.Verb)
    $W.WriteElementString('command', 'noun', $ns.command, $Model.Noun)
    Write-Description $W @($Page.Synopsis)
    $W.WriteEndElement()

    Write-Description $W $Page.Description

    $W.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($item in $Model.Syntax) {
        $W.WriteStartElement('command', 'syntaxItem', $ns.command)
        $W.WriteElementString('maml', 'name', $ns.maml, $Model.Name)
        foreach ($p in $item.Parameters) {
            $text = Get-ParameterText $Page $p.Name
            Write-Parameter $W $Model $p.Name ([string]$p.IsMandatory).ToLowerInvariant() (Get-PositionText $p) (Get-PipelineText $p) $text
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    # Parameters in the page's order, then any the page does not describe (the help test reports those).
    $W.WriteStartElement('command', 'parameters', $ns.command)
    $names = @($Page.Parameters.Keys | Where-Object { $Model.Parameters.Contains($_) }) + @($Model.Parameters.Keys | Where-Object { -not $Page.Parameters.Contains($_) })
    foreach ($name in $names) {
        $m = $Model.Parameters[$name]
        $text = @(Get-ParameterText $Page $name) + @(Get-RequiredNote $Model $name)
        Write-Parameter $W $Model $name (Get-RequiredText $Model $name) (Join-PerSet $m.Position) (Join-PerSet $m.Pipeline) $text
    }
    $W.WriteEndElement()

    Write-TypeList $W 'inputTypes' 'inputType' $(if ($null -ne $Page.Inputs) { $Page.Inputs } else { Get-DerivedInputs $Model })
    Write-TypeList $W 'returnValues' 'returnValue' $Page.Outputs

    $W.WriteStartElement('maml', 'alertSet', $ns.maml)
    $W.WriteStartElement('maml', 'alert', $ns.maml)
    Write-Paras $W $Page.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $ns.command)
    foreach ($e in $Page.Examples) {
        $W.WriteStartElement('command', 'example', $ns.command)
        $heading = if ($e.Title) { "Example $($e.Number): $($e.Title)" } else { "Example $($e.Number)" }
        $W.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $heading --------------------------")
        $W.WriteElementString('dev', 'code', $ns.dev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $ns.dev)
        Write-Paras $W $e.Remarks
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($l in $Page.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
        $W.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

function Get-ParameterText($Page, [string] $Name) {
    if ($Page.Parameters.Contains($Name)) { return $Page.Parameters[$Name] }
    if ($StandardParameterText.ContainsKey($Name)) { return @($StandardParameterText[$Name]) }
    @()
}

#endregion

#region About topics

function Format-Wrapped([string] $Text, [int] $Indent, [int] $Hanging = $Indent, [int] $Width = 80) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = ' ' * $Indent
    $start = $true
    foreach ($word in $Text -split '\s+' | Where-Object { $_ }) {
        if (-not $start -and $line.Length + 1 + $word.Length -gt $Width) { $lines.Add($line); $line = (' ' * $Hanging) + $word }
        elseif ($start) { $line += $word }
        else { $line += " $word" }
        $start = $false
    }
    $lines.Add($line)
    $lines
}

function ConvertTo-AboutText($About, [string] $File) {
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $($About.Name)"); $out.Add('')
    foreach ($s in $About.Sections) {
        $out.Add($s.Title.ToUpperInvariant())
        foreach ($sub in Split-Sections $s.Body '###') {
            if ($sub.Title) {
                if ($out[-1] -ne '') { $out.Add('') }
                $out.Add("  $(ConvertTo-PlainInline $sub.Title)")
            }
            $paras = ConvertTo-Paragraphs $sub.Body $File
            for ($i = 0; $i -lt $paras.Count; $i++) {
                $p = $paras[$i]
                $isItem = $p -match '^(-|\d+\.) '
                if ($p -match "`n" -or $p -match '^    ') { foreach ($cl in $p -split "`n") { $out.Add("    $cl".TrimEnd()) } }
                elseif ($isItem) { $out.AddRange([string[]](Format-Wrapped $p 4 ($Matches[1].Length + 5))) }
                else { $out.AddRange([string[]](Format-Wrapped $p 4)) }
                # List items stay together; everything else is followed by a blank line.
                $nextIsItem = $i + 1 -lt $paras.Count -and $paras[$i + 1] -match '^(-|\d+\.) '
                if (-not ($isItem -and $nextIsItem)) { $out.Add('') }
            }
        }
        if ($out[-1] -ne '') { $out.Add('') }
    }
    ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

#endregion

# --- main ---------------------------------------------------------------------------------------------------------

$module = Import-Module $ModulePath -PassThru -Force
$commands = @($module.ExportedCmdlets.Values | Sort-Object Name)
$pageFiles = @(Get-ChildItem $DocsPath -Filter '*.md' | Where-Object { $_.Name -ne 'README.md' -and $_.Name -notlike 'about_*' })
$aboutFiles = @(Get-ChildItem $DocsPath -Filter 'about_*.md')

$pages = @{}
foreach ($f in $pageFiles) { $pages[$f.BaseName] = Read-CmdletPage $f.FullName }
$abouts = foreach ($f in $aboutFiles) { Read-AboutPage $f.FullName }

$models = @{}
foreach ($c in $commands) { $models[$c.Name] = Get-CmdletModel $c }

foreach ($page in $pages.Values) {
    $model = $models[$page.Name]
    if (-not $model) {
        Write-Warning "docs: $($page.Name).md describes a cmdlet the module does not export; it is not built into help."
        continue
    }
    foreach ($pname in $page.Parameters.Keys) {
        if (-not $model.Parameters.Contains($pname)) {
            Add-Problem $page.File $page.ParameterLines[$pname] "$($page.Name) has no parameter -$pname (its parameters: $(($model.Parameters.Keys | ForEach-Object { "-$_" }) -join ', '))"
        }
    }
    foreach ($pname in $model.Parameters.Keys) {
        if (-not $page.Parameters.Contains($pname) -and -not $StandardParameterText.ContainsKey($pname)) {
            Write-Warning "docs: $($page.Name).md does not describe parameter -$pname."
        }
    }
    # OUTPUTS should name what [OutputType] declares (System.Void and None both mean nothing).
    $declared = @($module.ExportedCmdlets[$page.Name].OutputType | ForEach-Object Name | Where-Object { $_ -ne 'System.Void' })
    $listed = @($page.Outputs | ForEach-Object Type | Where-Object { $_ -ne 'None' })
    foreach ($t in $declared | Where-Object { $_ -notin $listed }) { Write-Warning "docs: $($page.Name).md does not list output type $t under OUTPUTS." }
    foreach ($t in $listed | Where-Object { $_ -notin $declared }) { Write-Warning "docs: $($page.Name).md lists output type $t, which the cmdlet's [OutputType] does not declare." }
}
foreach ($c in $commands) {
    if (-not $pages.ContainsKey($c.Name)) { Write-Warning "docs: no help page for $($c.Name) (docs/en-US/$($c.Name).md); its help will be generated from syntax only." }
}

if ($Problems.Count) {
    $list = ($Problems | ForEach-Object { "  $_" }) -join [Environment]::NewLine
    Write-Host "Help pages in $DocsPath are malformed (format: docs/en-US/README.md):$([Environment]::NewLine)$list" -ForegroundColor Red
    exit 2
}

if ($UpdateSyntax) {
    foreach ($page in $pages.Values | Where-Object { $models[$_.Name] }) {
        $model = $models[$page.Name]
        $block = [System.Collections.Generic.List[string]]::new()
        $block.Add('## SYNTAX'); $block.Add('')
        foreach ($item in $model.Syntax) {
            if ($model.Syntax.Count -gt 1) { $block.Add("### $($item.Name)$(if ($item.IsDefault) { ' (Default)' })"); $block.Add('') }
            $block.Add('```'); $block.Add((Format-SyntaxLine $model $item)); $block.Add('```'); $block.Add('')
        }
        $text = [IO.File]::ReadAllText($page.File)
        $nl = if ($text.Contains("`r`n")) { "`r`n" } else { "`n" }
        $new = ($block -join $nl) + $nl
        $syntaxPattern = '(?ms)^## SYNTAX\r?\n.*?(?=^## )'
        $text = if ($text -match $syntaxPattern) { [regex]::Replace($text, $syntaxPattern, { $new }) }
                else { [regex]::Replace($text, '(?m)^## DESCRIPTION', { "$new## DESCRIPTION" }) }
        [IO.File]::WriteAllText($page.File, $text)
        Write-Host "Updated SYNTAX of $($page.Name).md"
    }
    exit 0
}

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$mamlPath = Join-Path $OutputPath "$(Split-Path $module.RootModule -Leaf)-Help.xml"
$writer = [System.Xml.XmlWriter]::Create($mamlPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($c in $commands | Where-Object { $pages.ContainsKey($_.Name) }) { Write-Command $writer $pages[$c.Name] $models[$c.Name] }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally { $writer.Dispose() }

foreach ($a in $abouts) {
    $text = ConvertTo-AboutText $a (Join-Path $DocsPath "$($a.Name).md")
    if ($Problems.Count) { break }
    [IO.File]::WriteAllText((Join-Path $OutputPath "$($a.Name).help.txt"), $text, [System.Text.UTF8Encoding]::new($false))
}
if ($Problems.Count) {
    Write-Host "About topics in $DocsPath are malformed:$([Environment]::NewLine)$(($Problems | ForEach-Object { "  $_" }) -join [Environment]::NewLine)" -ForegroundColor Red
    exit 2
}

# Prove the file is well-formed XML that PowerShell's help reader can take.
[xml](Get-Content $mamlPath -Raw) | Out-Null
Write-Host "Help: $mamlPath ($(@($commands | Where-Object { $pages.ContainsKey($_.Name) }).Count) of $($commands.Count) cmdlets), $(@($abouts).Count) about topic(s)"
