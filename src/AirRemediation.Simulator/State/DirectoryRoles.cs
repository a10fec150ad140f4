namespace AirRemediation.Simulator.State;

/// <summary>Entra built-in role names and their role template ids, which Entra puts in the wids claim.</summary>
public static class DirectoryRoles
{
    public const string GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
    public const string SecurityAdministrator = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    public const string SecurityOperator = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f";
    public const string SecurityReader = "5d6b6bb7-de71-4623-b4af-96380a352509";
    public const string ExchangeAdministrator = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    public const string ExchangeRecipientAdministrator = "31392ffb-586c-42d1-9346-e59415a2cc4e";
    public const string GlobalReader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    public const string ComplianceAdministrator = "17315797-102d-40b4-93e0-432062caca18";
    public const string HelpdeskAdministrator = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

    static readonly Dictionary<string, string> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Global Administrator"] = GlobalAdministrator,
        ["Security Administrator"] = SecurityAdministrator,
        ["Security Operator"] = SecurityOperator,
        ["Security Reader"] = SecurityReader,
        ["Exchange Administrator"] = ExchangeAdministrator,
        ["Exchange Recipient Administrator"] = ExchangeRecipientAdministrator,
        ["Global Reader"] = GlobalReader,
        ["Compliance Administrator"] = ComplianceAdministrator,
        ["Helpdesk Administrator"] = HelpdeskAdministrator,
    };

    /// <summary>Accepts a role name or a template id; unknown names are a scenario error.</summary>
    public static string ToTemplateId(string nameOrId)
    {
        if (ByName.TryGetValue(nameOrId, out var id)) return id;
        if (Guid.TryParse(nameOrId, out _)) return nameOrId.ToLowerInvariant();
        throw new InvalidDataException($"Unknown directory role '{nameOrId}'. Known: {string.Join(", ", ByName.Keys)}.");
    }
}
