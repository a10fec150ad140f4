namespace AirRemediation.Simulator.Identity;

public enum SecretKind
{
    AccessToken,
    RefreshToken,
    ClientSecret,
    CertificatePassword,
    IdentityHeader,
    DeviceCode,
}
