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
        SecretGuard.Ensure(who.ActorId, "actor id");
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
    /// <summary>
    /// The rules of a conditional transition, the same for every backend: given the action as it is now, null when the
    /// transition may go ahead (with the audit reason to record, which notes a takeover of an expired lease), or the
    /// result that refuses it.
    /// </summary>
    public static TransitionResult? Refusal(ActionRecord cur, IReadOnlyCollection<ActionState> expectedFrom, ActionState to,
        ActionChanges changes, AuditContext who, DateTimeOffset now, string id, out string? reason)
    {
        reason = who.Reason;
        if (!expectedFrom.Contains(cur.State))
        {
            return new TransitionResult(TransitionOutcome.StateMismatch, cur, to, id);
        }
        if (cur.State == ActionState.Pending && to == ActionState.Approved && cur.ExpiresAt is { } exp && exp <= now)
        {
            return new TransitionResult(TransitionOutcome.Expired, cur, to, id);
        }
        if (changes.ExpectedPin is not null && !string.Equals(ContentPin.Of(cur), changes.ExpectedPin, StringComparison.Ordinal))
        {
            return new TransitionResult(TransitionOutcome.ContentChanged, cur, to, id);
        }
        if (changes.ExpectedLeaseOwner is not null && !string.Equals(cur.LeaseOwner, changes.ExpectedLeaseOwner, StringComparison.Ordinal))
        {
            return new TransitionResult(TransitionOutcome.LeaseLost, cur, to, id);
        }
        if (to == ActionState.Running)
        {
            var lease = changes.Lease!;
            if (cur.IsLeaseLive(now) && !string.Equals(cur.LeaseOwner, lease.Owner, StringComparison.Ordinal))
            {
                return new TransitionResult(TransitionOutcome.LeaseHeld, cur, to, id);
            }
            if (cur.State == ActionState.Running && cur.LeaseOwner is not null && !string.Equals(cur.LeaseOwner, lease.Owner, StringComparison.Ordinal))
            {
                string takeover = $"took over from session {cur.LeaseOwner}, whose lease expired at {cur.LeaseExpiresAt:u}";
                reason = reason is null ? takeover : reason + "; " + takeover;
            }
        }
        return null;
    }
}
