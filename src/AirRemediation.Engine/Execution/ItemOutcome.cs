using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Execution;

/// <summary>
/// What a kind says about an item beyond its state and reason, for the result object it reports: its own outcome name
/// (Blocked, AlreadyOff…), the error kind of a failure, and kind-specific detail (the entry as it now is, the moved message…).
/// </summary>
internal sealed record ItemOutcome(Enum? Name = null, AirErrorKind? Error = null, object? Detail = null)
{
    public static ItemOutcome None { get; } = new();
}
