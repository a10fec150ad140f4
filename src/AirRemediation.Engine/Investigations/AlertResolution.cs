using AirRemediation.Engine.Diagnostics;

namespace AirRemediation.Engine.Investigations;

/// <summary>
/// How an alert is closed: Graph alerts_v2 <c>classification</c> and <c>determination</c>, with status resolved. Only the
/// pairs the Defender portal offers under each classification are accepted (docs/SIMULATOR.md lists the sources and what
/// is not documented about Graph's own checks).
/// </summary>
public sealed record AlertResolution(string Classification, string Determination)
{
    /// <summary>Each classification and the determinations that belong to it (alertClassification / alertDetermination).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["truePositive"] = ["multiStagedAttack", "maliciousUserActivity", "compromisedAccount", "malware", "phishing", "unwantedSoftware", "other"],
        ["informationalExpectedActivity"] = ["securityTesting", "lineOfBusinessApplication", "confirmedActivity", "other"],
        ["falsePositive"] = ["notMalicious", "notEnoughDataToValidate", "other"],
    };

    /// <summary>What a denied Defender proposal is closed as when the denier says it was a false positive.</summary>
    public static AlertResolution FalsePositive { get; } = new("falsePositive", "notMalicious");

    /// <summary>Checks a pair and returns it in Graph's spelling; refuses values Graph does not know and pairs that do not belong together.</summary>
    public static AlertResolution Parse(string classification, string determination)
    {
        var c = Allowed.Keys.FirstOrDefault(k => string.Equals(k, classification?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new AirException(AirErrorKind.InvalidInput,
                $"Alert classification '{DisplayText.Safe(classification ?? "")}' is not one of {string.Join(", ", Allowed.Keys)}.");
        var d = Allowed[c].FirstOrDefault(k => string.Equals(k, determination?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new AirException(AirErrorKind.InvalidInput,
                $"Alert determination '{DisplayText.Safe(determination ?? "")}' does not go with classification {c}; use one of {string.Join(", ", Allowed[c])}.");
        return new AlertResolution(c, d);
    }

    /// <summary>A pair typed as <c>classification/determination</c>; an empty text is null (no resolution). Refuses anything else.</summary>
    public static AlertResolution? FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return text.Split('/') is [var c, var d]
            ? Parse(c, d)
            : throw new AirException(AirErrorKind.InvalidInput, $"'{DisplayText.Safe(text)}' is not classification/determination, for example truePositive/phishing.");
    }

    /// <summary>How it is kept in the audit trail: <c>classification/determination</c>.</summary>
    public string Encode() => Classification + "/" + Determination;

    /// <summary>The pair from <see cref="Encode"/>, or null when the text is not one (never trusted unchecked).</summary>
    public static AlertResolution? Decode(string? text)
    {
        if (text?.Split('/') is not [var c, var d]) return null;
        try
        {
            return Parse(c, d);
        }
        catch (AirException)
        {
            return null;
        }
    }
}
