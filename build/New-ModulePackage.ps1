<#
.SYNOPSIS
    Packs the built module folder into a PowerShell module .nupkg that Install-PSResource and Save-PSResource accept.

.DESCRIPTION
    nuget.exe and the PowerShell Gallery are not available, so the package is a zip we write ourselves, in the shape
    Publish-PSResource produces and PSResourceGet reads from a local folder repository:

    - the file is named <Id>.<Version>.nupkg (PSResourceGet finds versions by file name in a folder repository);
    - <Id>.nuspec at the root, with id, version, authors, description and tags that include "PSModule" (which makes it
      a module rather than a script), "PSIncludes_Cmdlet" and PSCmdlet_/PSCommand_ tags per exported cmdlet (what
      Find-PSResource -Command searches), all taken from the manifest;
    - the module's files at the root of the package (AirRemediation.psd1 next to the nuspec: PSResourceGet reads
      metadata from it and installs the root as <Modules>/<Id>/<Version>/);
    - the Open Packaging Conventions parts every NuGet package carries ([Content_Types].xml, _rels/.rels and the
      core-properties part), which the installers remove again after extracting.

.PARAMETER ModulePath
    The built module folder, out/AirRemediation/<version>.

.PARAMETER OutputPath
    The folder to write the package to (created if needed).

.OUTPUTS
    System.IO.FileInfo of the package.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Add-Type -AssemblyName System.IO.Compression

$ModulePath = (Resolve-Path $ModulePath).Path
$manifestFile = Get-ChildItem $ModulePath -Filter '*.psd1' | Select-Object -First 1
if (-not $manifestFile) { throw "No module manifest (*.psd1) in $ModulePath; run build.ps1 -Task Build first." }
$id = $manifestFile.BaseName
$manifest = Import-PowerShellDataFile $manifestFile.FullName
$version = $manifest.ModuleVersion
$psData = $manifest.PrivateData.PSData

function Get-Tags {
    $tags = [System.Collections.Generic.List[string]]::new()
    $tags.Add('PSModule')
    foreach ($t in @($psData.Tags)) { if ($t -and -not $tags.Contains($t)) { $tags.Add($t) } }
    foreach ($edition in @($manifest.CompatiblePSEditions)) { if (-not $tags.Contains("PSEdition_$edition")) { $tags.Add("PSEdition_$edition") } }
    if (@($manifest.CmdletsToExport).Count) { $tags.Add('PSIncludes_Cmdlet') }
    foreach ($c in @($manifest.CmdletsToExport)) { $tags.Add("PSCmdlet_$c"); $tags.Add("PSCommand_$c") }
    # NuGet separates tags with spaces, so a tag may not contain one.
    $tags | ForEach-Object { $_ -replace '\s', '' }
}

function New-Nuspec {
    $doc = [System.Xml.XmlDocument]::new()
    $ns = 'http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd'
    $null = $doc.AppendChild($doc.CreateXmlDeclaration('1.0', 'utf-8', $null))
    $package = $doc.AppendChild($doc.CreateElement('package', $ns))
    $metadata = $package.AppendChild($doc.CreateElement('metadata', $ns))
    $fields = [ordered]@{
        id                       = $id
        version                  = $version
        authors                  = $manifest.Author
        owners                   = if ($manifest.CompanyName) { $manifest.CompanyName } else { $manifest.Author }
        requireLicenseAcceptance = 'false'
        description              = $manifest.Description
        releaseNotes             = $psData.ReleaseNotes
        copyright                = $manifest.Copyright
        tags                     = (Get-Tags) -join ' '
        projectUrl               = $psData.ProjectUri
    }
    foreach ($k in $fields.Keys) {
        if ([string]::IsNullOrWhiteSpace([string]$fields[$k])) { continue }
        $e = $metadata.AppendChild($doc.CreateElement($k, $ns))
        $e.InnerText = [string]$fields[$k]
    }
    $doc
}

function Add-Entry([System.IO.Compression.ZipArchive] $Zip, [string] $Name, [byte[]] $Bytes) {
    $entry = $Zip.CreateEntry($Name, [System.IO.Compression.CompressionLevel]::Optimal)
    $stream = $entry.Open()
    try { $stream.Write($Bytes, 0, $Bytes.Length) } finally { $stream.Dispose() }
}

function Get-Utf8([string] $Text) { [System.Text.UTF8Encoding]::new($false).GetBytes($Text) }

# nuspec requires both; PSResourceGet shows them in Find-PSResource.
if (-not $manifest.Description) { throw "The manifest $($manifestFile.FullName) needs a Description to be packaged." }
if (-not $manifest.Author) { throw "The manifest $($manifestFile.FullName) needs an Author to be packaged." }

New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
$nupkg = Join-Path (Resolve-Path $OutputPath).Path "$id.$version.nupkg"
if (Test-Path $nupkg) { Remove-Item $nupkg -Force }

$files = @(Get-ChildItem $ModulePath -Recurse -File)
$fileStream = [System.IO.File]::Open($nupkg, [System.IO.FileMode]::CreateNew)
$zip = [System.IO.Compression.ZipArchive]::new($fileStream, [System.IO.Compression.ZipArchiveMode]::Create)
try {
    $nuspec = New-Nuspec
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.Indent = $true
    $buffer = [System.IO.MemoryStream]::new()
    $xml = [System.Xml.XmlWriter]::Create($buffer, $settings)
    $nuspec.Save($xml)
    $xml.Dispose()
    Add-Entry $zip "$id.nuspec" $buffer.ToArray()

    foreach ($f in $files) {
        $relative = [System.IO.Path]::GetRelativePath($ModulePath, $f.FullName).Replace('\', '/')
        $entry = $zip.CreateEntry($relative, [System.IO.Compression.CompressionLevel]::Optimal)
        $entry.LastWriteTime = $f.LastWriteTime
        $out = $entry.Open()
        $in = $f.OpenRead()
        try { $in.CopyTo($out) } finally { $in.Dispose(); $out.Dispose() }
    }

    # Open Packaging Conventions parts, as every NuGet client writes them.
    $extensions = @($files | ForEach-Object { $_.Extension.TrimStart('.') } | Where-Object { $_ } | Sort-Object -Unique)
    $types = [System.Text.StringBuilder]::new()
    $null = $types.Append('<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">')
    $null = $types.Append('<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />')
    $null = $types.Append('<Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />')
    $null = $types.Append('<Default Extension="nuspec" ContentType="application/octet" />')
    foreach ($e in $extensions | Where-Object { $_ -notin 'rels', 'psmdcp', 'nuspec' }) {
        $null = $types.Append("<Default Extension=`"$([System.Security.SecurityElement]::Escape($e))`" ContentType=`"application/octet`" />")
    }
    $null = $types.Append('</Types>')
    Add-Entry $zip '[Content_Types].xml' (Get-Utf8 $types.ToString())

    $coreName = [guid]::NewGuid().ToString('n')
    Add-Entry $zip '_rels/.rels' (Get-Utf8 (
        '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        "<Relationship Type=`"http://schemas.microsoft.com/packaging/2010/07/manifest`" Target=`"/$id.nuspec`" Id=`"R$($coreName.Substring(0, 16))`" />" +
        "<Relationship Type=`"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties`" Target=`"/package/services/metadata/core-properties/$coreName.psmdcp`" Id=`"R$($coreName.Substring(16))`" />" +
        '</Relationships>'))
    $escape = { param($s) [System.Security.SecurityElement]::Escape([string]$s) }
    Add-Entry $zip "package/services/metadata/core-properties/$coreName.psmdcp" (Get-Utf8 (
        '<?xml version="1.0" encoding="utf-8"?><coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">' +
        "<dc:creator>$(& $escape $manifest.Author)</dc:creator><dc:description>$(& $escape $manifest.Description)</dc:description>" +
        "<dc:identifier>$id</dc:identifier><version>$version</version><keywords>$(& $escape ((Get-Tags) -join ' '))</keywords>" +
        '<lastModifiedBy>AirRemediation build.ps1</lastModifiedBy></coreProperties>'))
}
finally {
    $zip.Dispose()
    $fileStream.Dispose()
}

Get-Item $nupkg
