namespace AirRemediation.Simulator.Graph;

/// <summary>A $filter Graph would refuse; Code and Message are what Graph answers with (400).</summary>
public sealed class FilterSyntaxException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
