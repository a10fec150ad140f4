namespace AirRemediation.Simulator.Scenario;

public sealed class DelegatedGrantSpec
{
    public List<string> Graph { get; set; } = [];
    public List<string> Exchange { get; set; } = [];

    /// <summary>Azure Storage's one delegated scope, <c>user_impersonation</c>, for a user reaching the action store with a token.</summary>
    public List<string> Storage { get; set; } = [];
}
