using AirRemediation.Engine.Auth;

namespace AirRemediation.Engine.Investigations;

/// <summary>Reads Defender alerts (alerts_v2) with their investigation state and typed evidence.</summary>
public static class InvestigationService
{
    /// <summary>Alerts matching the query, page by page (or the one alert asked for by id).</summary>
    public static async IAsyncEnumerable<Investigation> GetInvestigationsAsync(AirSession session, InvestigationQuery query,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var api = new SecurityApi(session.Graph);
        if (query.AlertId is not null)
        {
            yield return await session.Caller.CallAsync<Investigation>(null, t => api.GetAlertAsync(query.AlertId, t), ct).ConfigureAwait(false);
            yield break;
        }
        string? next = null;
        do
        {
            var page = await session.Caller.CallAsync(null, async t => new AlertPage(await api.ListAlertsPageAsync(query, next, t).ConfigureAwait(false)), ct).ConfigureAwait(false);
            foreach (var i in page.Value.Items)
            {
                if (query.InvestigationStates.Count > 0 && !query.InvestigationStates.Contains(i.InvestigationState ?? "", StringComparer.OrdinalIgnoreCase)) continue;
                yield return i;
            }
            next = page.Value.NextLink;
        } while (next is not null);
    }

    private sealed record AlertPage((IReadOnlyList<Investigation> Items, string? NextLink) Value);
}
