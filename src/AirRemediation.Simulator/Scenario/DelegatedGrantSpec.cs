namespace AirRemediation.Simulator.Scenario;

public sealed class DelegatedGrantSpec
{
    public List<string> Graph { get; set; } = [];
    public List<string> Exchange { get; set; } = [];
}
