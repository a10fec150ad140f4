namespace AirRemediation.Simulator.Scenario;

/// <summary>A certificate credential of an app: the public certificate, or a PFX (path relative to the scenario file).</summary>
public sealed class CertificateSpec
{
    public string? Thumbprint { get; set; }
    /// <summary>Base64 DER of the public certificate.</summary>
    public string? PublicCertificate { get; set; }
    public string? PfxPath { get; set; }
    public string? PfxPassword { get; set; }
}
