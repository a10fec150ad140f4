namespace AirRemediation.Engine.Doctor;

/// <summary>What one probe of <see cref="TenantDoctor"/> found.</summary>
public enum ProbeOutcome
{
    /// <summary>The tenant behaves as the module assumes.</summary>
    Pass,
    /// <summary>It does not: the module would fail here; see the code and the hint.</summary>
    Fail,
    /// <summary>Not checked (no Exchange token, an application-only API on a user sign-in, nothing to page through).</summary>
    Skipped,
}

/// <summary>
/// One assumption checked against a tenant: the area (Token, Graph, Exchange), what was assumed, the outcome, the raw
/// HTTP status and service error code, and a hint that says what to change when it failed.
/// </summary>
public sealed record ProbeResult(string Area, string Name, ProbeOutcome Outcome, int? Status, string? Code, string Detail, string? Hint = null);
