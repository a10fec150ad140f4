namespace AirRemediation.Engine.Approvals;

/// <summary>One line of Test-AirPermission: can this sign-in do this, and if not, what is missing, in plain words.</summary>
public sealed record PermissionCheck(string Capability, bool Allowed, IReadOnlyList<string> Missing, string Detail);
