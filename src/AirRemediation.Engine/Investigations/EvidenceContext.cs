using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Investigations;

/// <summary>What a kind needs to turn a piece of Defender evidence into a proposal: the security API and the session's caller.</summary>
internal sealed record EvidenceContext(SecurityApi Security, ServiceCaller Caller, TimeProvider Clock)
{
    /// <summary>The session's time (for windows of queries whose alert has no creation time).</summary>
    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Who proposes what Defender's evidence asks for.</summary>
    public const string DefenderProposer = "Microsoft Defender AIR";

    /// <summary>The evidence key: "the same evidence" of the same alert is never queued twice.</summary>
    public static string KeyOf(Investigation alert, EvidenceInfo e) => $"{alert.AlertId}|{e.NaturalKey}";

    /// <summary>The audit reason of a proposal from evidence.</summary>
    public static string ReasonOf(Investigation alert, EvidenceInfo e, string? detail = null) =>
        $"Evidence {e.Type}{(detail is null ? "" : $" ({detail})")} pending approval on alert '{alert.Title}'.";
}
