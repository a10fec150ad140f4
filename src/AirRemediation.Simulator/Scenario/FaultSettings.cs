namespace AirRemediation.Simulator.Scenario;

/// <summary>Injected failures. Rates are probabilities 0..1 per request, drawn from the seeded generator.</summary>
public sealed class FaultSettings
{
    /// <summary>Answer 500/502/503 with Graph error bodies, without applying the request.</summary>
    public double ServerErrorRate { get; set; }
    /// <summary>Apply the request, then answer 504 GatewayTimeout.</summary>
    public double AppliedButGatewayTimeoutRate { get; set; }
    /// <summary>Abort the connection (half of them after the side effect was applied).</summary>
    public double DropConnectionRate { get; set; }
    /// <summary>Lifetime of newly issued access tokens, overriding the default.</summary>
    public int? TokenLifetimeSeconds { get; set; }
    public List<StormSpec> Storms { get; set; } = [];
    /// <summary>
    /// Answer an Exchange RBAC refusal (a cmdlet the identity's roles do not allow) as graph2otel saw it live: 403 with a
    /// body of NUL bytes instead of the JSON RbacAccessDeniedException error.
    /// </summary>
    public bool ExchangeForbiddenNulBody { get; set; }

    public FaultSettings Clone() => new()
    {
        ServerErrorRate = ServerErrorRate,
        AppliedButGatewayTimeoutRate = AppliedButGatewayTimeoutRate,
        DropConnectionRate = DropConnectionRate,
        TokenLifetimeSeconds = TokenLifetimeSeconds,
        Storms = [.. Storms],
        ExchangeForbiddenNulBody = ExchangeForbiddenNulBody,
    };
}
