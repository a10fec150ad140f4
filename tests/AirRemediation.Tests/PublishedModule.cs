namespace AirRemediation.Tests;

/// <summary>Finds the module that build.ps1 published to out/AirRemediation/&lt;version&gt;/.</summary>
internal static class PublishedModule
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Directory
    {
        get
        {
            var version = System.Text.RegularExpressions.Regex.Match(
                File.ReadAllText(Path.Combine(RepositoryRoot, "AirRemediation.psd1")), @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
            var dir = Path.Combine(RepositoryRoot, "out", "AirRemediation", version);
            if (!File.Exists(Path.Combine(dir, "AirRemediation.dll")))
                throw new InvalidOperationException($"The module is not published at {dir}; run 'dotnet pwsh ./build.ps1 -Task Build' first.");
            return dir;
        }
    }

    public static string Manifest => Path.Combine(Directory, "AirRemediation.psd1");
    public static string CmdletAssembly => Path.Combine(Directory, "AirRemediation.dll");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AirRemediation.sln"))) return d.FullName;
        throw new InvalidOperationException("Cannot find the repository root (AirRemediation.sln) above " + AppContext.BaseDirectory);
    }
}
