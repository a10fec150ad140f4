using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>Reads the tenant's URL block entries (Get-AirUrlBlock, tab completion): the list itself, not our journal.</summary>
public static class UrlBlockList
{
    public static async Task<IReadOnlyList<UrlBlockEntry>> ListAsync(AirSession session, CancellationToken ct)
    {
        ExchangeAdminClient.EnsureConnected(session);
        ExchangeRoles.Ensure(session, ExchangeTask.ReadUrlBlocks);
        try
        {
            return await new TablApi(new ExchangeAdminClient(session, session.Caller)).ListAsync(ct).ConfigureAwait(false);
        }
        catch (ServiceCallException e)
        {
            throw UrlBlockErrors.List(e);
        }
    }
}
