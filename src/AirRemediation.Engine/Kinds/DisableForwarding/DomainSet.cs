namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>
/// The organisation's accepted domains, and the one question asked of them: is an address outside? An accepted domain
/// written as <c>*.contoso.com</c> also covers its subdomains. An address without '@' (an Exchange legacy DN or alias)
/// names a recipient inside the organisation.
/// </summary>
public sealed class DomainSet
{
    private readonly HashSet<string> exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> suffixes = [];

    public DomainSet(IEnumerable<string> domains, string source)
    {
        Source = source;
        foreach (var d in domains.Select(d => d.Trim().TrimEnd('.')).Where(d => d.Length > 0))
        {
            if (d.StartsWith("*.", StringComparison.Ordinal)) { exact.Add(d[2..]); suffixes.Add(d[1..]); }
            else exact.Add(d);
        }
    }

    /// <summary>Where the list came from (Get-AcceptedDomain or Graph /domains).</summary>
    public string Source { get; }

    public IReadOnlyCollection<string> Domains => exact;

    public bool IsExternal(string address)
    {
        var at = address.LastIndexOf('@');
        if (at < 0) return false;
        var domain = address[(at + 1)..].Trim().TrimEnd('>', '.');
        if (exact.Contains(domain)) return false;
        return !suffixes.Any(s => domain.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }
}
