using AirRemediation.Simulator.Scenario;

namespace AirRemediation.Simulator.State;

/// <summary>The live tenant: directory, mailboxes, alerts, TABL. Tests read it to assert on side effects.</summary>
public sealed class TenantState
{
    public required string TenantId { get; init; }
    public required string TenantName { get; init; }
    public required string DisplayName { get; init; }
    public required string License { get; init; }
    public string InitialDomain => TenantName + ".onmicrosoft.com";
    public List<DomainSpec> Domains { get; } = [];
    public Dictionary<string, SimApp> Apps { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<SimUser> Users { get; } = [];
    public List<Mailbox> Mailboxes { get; } = [];
    public string? DeviceCodeUser { get; set; }
    public ManagedIdentitySpec? ManagedIdentity { get; set; }
    /// <summary>alerts_v2 objects in Graph's shape, comments included. Lock AlertsGate to read or change.</summary>
    public List<JsonObject> Alerts { get; } = [];
    public object AlertsGate { get; } = new();
    public List<TablEntry> TablEntries { get; } = [];
    public object TablGate { get; } = new();
    /// <summary>Trace rows with no mailbox copy (see <see cref="Scenario.TraceRowSpec"/>).</summary>
    public List<Scenario.TraceRowSpec> ExtraTraceRows { get; } = [];
    /// <summary>When each Get-MessageTraceV2 query arrived (the 100-in-5-minutes limit), guarded by itself.</summary>
    public Queue<DateTimeOffset> TraceQueries { get; } = new();
    /// <summary>Remediations submitted through analyzedEmails/remediate (bulk id → request body).</summary>
    public ConcurrentDictionary<string, JsonObject> Remediations { get; } = new();

    readonly Dictionary<string, SimUser> usersByKey = new(StringComparer.OrdinalIgnoreCase);

    public void AddUser(SimUser user)
    {
        if (usersByKey.ContainsKey(user.Id) || usersByKey.ContainsKey(user.UserPrincipalName))
        {
            throw new InvalidDataException($"Duplicate user '{user.UserPrincipalName}'.");
        }
        Users.Add(user);
        usersByKey[user.Id] = user;
        usersByKey[user.UserPrincipalName] = user;
        usersByAddress.TryAdd(user.Mail, user);
    }

    /// <summary>Deletes a user from the directory (their mailbox, if any, stays in <see cref="Mailboxes"/>); false when unknown.</summary>
    public bool RemoveUser(string key)
    {
        if (FindUser(key) is not { } user) return false;
        Users.Remove(user);
        foreach (var k in usersByKey.Where(kv => ReferenceEquals(kv.Value, user)).Select(kv => kv.Key).ToList()) usersByKey.Remove(k);
        foreach (var k in usersByAddress.Where(kv => ReferenceEquals(kv.Value, user)).Select(kv => kv.Key).ToList()) usersByAddress.Remove(k);
        return true;
    }

    readonly Dictionary<string, SimUser> usersByAddress = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// By object id or UPN: the keys Graph documents for <c>/users/{id | userPrincipalName}</c>. An SMTP address that
    /// differs from the UPN is not a key (live tenants answer ErrorInvalidUser; see docs/SIMULATOR.md).
    /// </summary>
    public SimUser? FindUser(string key) => usersByKey.TryGetValue(key, out var u) ? u : null;

    /// <summary>By object id, UPN or primary SMTP address: how Exchange resolves -Identity and mail flow resolves a recipient.</summary>
    public SimUser? FindByAddress(string address) => FindUser(address) ?? (usersByAddress.TryGetValue(address, out var u) ? u : null);

    /// <summary>True when <paramref name="key"/> is some user's SMTP address but not a Graph key (counted when a client uses it as one).</summary>
    public bool IsAddressOnly(string key) => FindUser(key) is null && usersByAddress.ContainsKey(key);

    public Mailbox? MailboxByIndex(int index) => index >= 0 && index < Mailboxes.Count ? Mailboxes[index] : null;

    public bool IsAcceptedDomain(string domain) =>
        Domains.Any(d => d.Accepted && string.Equals(d.Id, domain, StringComparison.OrdinalIgnoreCase));
}
