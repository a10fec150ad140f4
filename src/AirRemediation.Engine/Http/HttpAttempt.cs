namespace AirRemediation.Engine.Http;

/// <summary>
/// The retry number of the request being sent on this async flow (0 = first try). Set by the retry policy,
/// read by the tracing handler, so -Verbose can say how many times a call was retried.
/// </summary>
public static class HttpAttempt
{
    private static readonly AsyncLocal<int> CurrentAttempt = new();

    public static int Current
    {
        get => CurrentAttempt.Value;
        set => CurrentAttempt.Value = value;
    }
}
