namespace AirRemediation;

/// <summary>One assumption Test-AirTenant checked against the tenant, and what it found.</summary>
public sealed class AirTenantProbe
{
    /// <summary>Token, Graph or Exchange.</summary>
    public string Area { get; init; } = "";
    public string Probe { get; init; } = "";
    /// <summary>Pass, Fail or Skipped.</summary>
    public string Result { get; init; } = "";
    /// <summary>The HTTP status the service answered (none for token checks).</summary>
    public int? Status { get; init; }
    /// <summary>The service's own error code, as it sent it.</summary>
    public string? Code { get; init; }
    public string Detail { get; init; } = "";
    /// <summary>What to change when it failed or was skipped.</summary>
    public string? Hint { get; init; }

    public override string ToString() => $"{Result} {Area}: {Probe}";
}
