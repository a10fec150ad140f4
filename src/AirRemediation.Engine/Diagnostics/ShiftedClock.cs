using System.Globalization;

namespace AirRemediation.Engine.Diagnostics;

/// <summary>
/// The system clock moved by a fixed offset. Set AIRREMEDIATION_CLOCK_OFFSET (a TimeSpan such as 8.00:00:00) before
/// Connect-AirService to rehearse what happens later — that a pending action expires after a week — without waiting.
/// Connect-AirService warns whenever it is in effect.
/// </summary>
public sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public const string Variable = "AIRREMEDIATION_CLOCK_OFFSET";

    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    /// <summary>The clock the environment asks for, or null for the real one.</summary>
    public static ShiftedClock? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var offset))
            throw new AirException(AirErrorKind.InvalidInput, $"{Variable} '{value}' is not a time span (for example 8.00:00:00 for eight days).", Variable);
        return new ShiftedClock(offset);
    }
}
