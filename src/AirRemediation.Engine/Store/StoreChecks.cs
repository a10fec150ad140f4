using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Store;

/// <summary>Argument checks and id forms every store backend applies the same way.</summary>
internal static class StoreChecks
{
    public static void ValidateWho(AuditContext who)
    {
        ArgumentNullException.ThrowIfNull(who);
        if (string.IsNullOrWhiteSpace(who.Actor))
        {
            throw new AirException(AirErrorKind.InvalidInput, "Every change to the action store needs the name of the identity making it (Actor).");
        }
        SecretGuard.Ensure(who);
    }

    public static void ValidateLease(LeaseRequest? lease)
    {
        if (lease is null)
        {
            return;
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(lease.Owner, nameof(lease));
        if (lease.Duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lease), "A lease must last a positive time.");
        }
    }

    /// <summary>"7k3" or "a-7k3" → "A-7K3" (what a person types while tab-completing).</summary>
    public static string NormalizePrefix(string prefix)
    {
        var p = prefix.Trim().ToUpperInvariant();
        return p.StartsWith("A-", StringComparison.Ordinal) ? p : p == "A" ? p : "A-" + p;
    }

    /// <summary>The stored form of an action id; anything that is not one is left as given (and simply not found).</summary>
    public static string Id(string actionId) => ActionId.TryNormalize(actionId, out var id) ? id : actionId;
}
