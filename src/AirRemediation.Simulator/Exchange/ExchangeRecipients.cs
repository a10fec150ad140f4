using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Exchange;

/// <summary>Resolves an Exchange -Identity/-Mailbox value the way Exchange does: UPN, SMTP address, alias, name, or object id.</summary>
public static class ExchangeRecipients
{
    public static SimUser? Resolve(TenantState state, string identity)
    {
        var v = identity.Trim();
        if (v.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase)) v = v[5..];
        var u = state.FindByAddress(v);
        if (u is not null) return u;
        return state.Users.FirstOrDefault(x =>
            string.Equals(Alias(x), v, StringComparison.OrdinalIgnoreCase) || string.Equals(x.DisplayName, v, StringComparison.OrdinalIgnoreCase));
    }

    public static string Alias(SimUser u) => u.UserPrincipalName.Split('@')[0];

    public static string NotFoundMessage(string identity) =>
        $"The operation couldn't be performed because object '{identity}' couldn't be found on 'NAMPR01A001DC01.NAMPR01A001.PROD.OUTLOOK.COM'.";
}
