namespace AirRemediation.Engine.Actions;

/// <summary>
/// The one place that says which state changes an action may make. The stores refuse every transition this class
/// does not allow, so no caller can move an action around the machine by accident.
/// </summary>
/// <remarks>
/// Pending → Approved | Denied | Expired; Approved → Running; Running → Completed | PartiallyCompleted | Failed | Cancelled;
/// Cancelled → Running (resume); Running → Running (resume by another session after the lease went stale);
/// Completed | PartiallyCompleted → Undone. A new action starts Pending (proposed) or Running (run directly by an admin).
/// </remarks>
public static class ActionStateMachine
{
    /// <summary>How long a proposal stays approvable.</summary>
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromDays(7);

    private static readonly Dictionary<ActionState, ActionState[]> Allowed = new()
    {
        [ActionState.Pending] = [ActionState.Approved, ActionState.Denied, ActionState.Expired],
        [ActionState.Approved] = [ActionState.Running],
        [ActionState.Running] = [ActionState.Running, ActionState.Completed, ActionState.PartiallyCompleted, ActionState.Failed, ActionState.Cancelled],
        [ActionState.Cancelled] = [ActionState.Running],
        [ActionState.Completed] = [ActionState.Undone],
        [ActionState.PartiallyCompleted] = [ActionState.Undone],
        [ActionState.Failed] = [],
        [ActionState.Denied] = [],
        [ActionState.Expired] = [],
        [ActionState.Undone] = [],
    };

    /// <summary>States a new action may be created in: Pending (proposed) or Running (run directly).</summary>
    public static bool CanCreateIn(ActionState state) => state is ActionState.Pending or ActionState.Running;

    /// <summary>Whether <paramref name="from"/> → <paramref name="to"/> is a legal move.</summary>
    public static bool CanTransition(ActionState from, ActionState to) =>
        Allowed.TryGetValue(from, out var targets) && Array.IndexOf(targets, to) >= 0;

    /// <summary>The states from which <paramref name="to"/> can be reached.</summary>
    public static IReadOnlyList<ActionState> SourcesOf(ActionState to) =>
        Allowed.Where(p => Array.IndexOf(p.Value, to) >= 0).Select(p => p.Key).ToArray();

    /// <summary>States with no way out (Failed, Denied, Expired, Undone).</summary>
    public static bool IsFinal(ActionState state) => Allowed.TryGetValue(state, out var t) && t.Length == 0;

    /// <summary>States in which the action has finished executing (Completed, PartiallyCompleted, Failed).</summary>
    public static bool IsFinishedRun(ActionState state) =>
        state is ActionState.Completed or ActionState.PartiallyCompleted or ActionState.Failed;

    /// <summary>Throws <see cref="AirException"/> (InvalidState) with an admin-readable message unless the move is legal.</summary>
    public static void EnsureTransition(ActionState from, ActionState to, string? actionId = null)
    {
        if (!CanTransition(from, to))
        {
            throw new AirException(AirErrorKind.InvalidState, DescribeRefusal(actionId, from, to), actionId);
        }
    }

    /// <summary>Throws unless a new action may start in <paramref name="state"/>.</summary>
    public static void EnsureCreate(ActionState state)
    {
        if (!CanCreateIn(state))
        {
            throw new AirException(AirErrorKind.InvalidState,
                $"A new action can only start as Pending (proposed for approval) or Running (run directly), not {state}.");
        }
    }

    /// <summary>The audit event name of a transition.</summary>
    public static string EventName(ActionState from, ActionState to) => (from, to) switch
    {
        (ActionState.Approved, ActionState.Running) => "Started",
        (ActionState.Cancelled, ActionState.Running) => "Resumed",
        (ActionState.Running, ActionState.Running) => "Resumed",
        _ => to.ToString(),
    };

    /// <summary>The audit event name of creating an action in <paramref name="state"/>.</summary>
    public static string CreateEventName(ActionState state) => state == ActionState.Running ? "RunDirectly" : "Proposed";

    /// <summary>Why an action in <paramref name="current"/> cannot go to <paramref name="requested"/>, in words an admin understands.</summary>
    public static string DescribeRefusal(string? actionId, ActionState current, ActionState requested)
    {
        string who = actionId is null ? "The action" : $"Action {actionId}";
        return requested switch
        {
            ActionState.Approved => $"{who} is {current}; only Pending actions can be approved.",
            ActionState.Denied => $"{who} is {current}; only Pending actions can be denied.",
            ActionState.Expired => $"{who} is {current}; only Pending actions can expire.",
            ActionState.Running when current == ActionState.Pending => $"{who} is Pending; it must be approved before it runs.",
            ActionState.Running when IsFinishedRun(current) || IsFinal(current) || current == ActionState.Undone =>
                $"{who} is {current}; there is nothing left to run. Only Approved, Running or Cancelled actions can be started or resumed.",
            ActionState.Running => $"{who} is {current}; only Approved, Running or Cancelled actions can be started or resumed.",
            ActionState.Completed or ActionState.PartiallyCompleted or ActionState.Failed or ActionState.Cancelled =>
                $"{who} is {current}; only a Running action can become {requested}.",
            ActionState.Undone => $"{who} is {current}; only Completed or PartiallyCompleted actions can be undone.",
            ActionState.Pending => $"{who} is {current}; an action cannot return to Pending.",
            _ => $"{who} is {current} and cannot become {requested}.",
        };
    }
}
