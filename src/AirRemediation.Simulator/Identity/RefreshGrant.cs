namespace AirRemediation.Simulator.Identity;

/// <summary>What a refresh token stands for: a user signed in to a client (Entra refresh tokens are multi-resource).</summary>
public sealed record RefreshGrant(string UserId, string ClientId);
