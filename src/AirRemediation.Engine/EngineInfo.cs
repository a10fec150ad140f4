namespace AirRemediation.Engine;

/// <summary>Facts about the engine assembly that the cmdlet layer and the tests read.</summary>
public static class EngineInfo
{
    /// <summary>The engine's informational version (the module version, from Directory.Build.props).</summary>
    public static string Version =>
        typeof(EngineInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
