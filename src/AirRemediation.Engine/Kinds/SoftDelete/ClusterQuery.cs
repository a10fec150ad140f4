using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Graph;

namespace AirRemediation.Engine.Kinds.SoftDelete;

/// <summary>
/// What makes a message part of a cluster. Everything but <see cref="SenderDomain"/> becomes a Graph <c>$filter</c>
/// (the subset Graph supports on messages: eq/ge/lt, and/or); the sender domain is matched on our side, because
/// Graph does not filter messages with endswith.
/// </summary>
/// <summary>How <see cref="ClusterQuery.Subject"/> is matched.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<SubjectMatch>))]
public enum SubjectMatch
{
    /// <summary>The whole subject (case-insensitive); filtered by Graph.</summary>
    Exact,
    /// <summary>The subject contains the text; matched on our side (message trace filters by it too).</summary>
    Contains,
    /// <summary>The subject starts with the text; matched on our side (message trace filters by it too).</summary>
    StartsWith,
}

public sealed record ClusterQuery
{
    public string? Sender { get; init; }
    public string? SenderDomain { get; init; }
    public string? Subject { get; init; }
    public SubjectMatch SubjectMatch { get; init; }
    public DateTimeOffset? ReceivedAfter { get; init; }
    public DateTimeOffset? ReceivedBefore { get; init; }
    public IReadOnlyList<string> InternetMessageIds { get; init; } = [];

    public bool IsEmpty =>
        Sender is null && SenderDomain is null && Subject is null && ReceivedAfter is null && ReceivedBefore is null && InternetMessageIds.Count == 0;

    /// <summary>Checks the query and throws <see cref="AirErrorKind.InvalidInput"/> naming the part that is wrong.</summary>
    public void Validate()
    {
        if (IsEmpty)
            throw new AirException(AirErrorKind.InvalidInput,
                "A cluster query needs at least one of -Sender, -SenderDomain, -Subject, -ReceivedAfter, -ReceivedBefore or -InternetMessageId.");
        if (Sender is not null && !Addresses.IsEmailAddress(Sender))
            throw new AirException(AirErrorKind.InvalidInput, $"-Sender '{Sender}' is not an email address.", Sender);
        if (SenderDomain is not null && !Addresses.IsDomain(SenderDomain.TrimStart('@')))
            throw new AirException(AirErrorKind.InvalidInput, $"-SenderDomain '{SenderDomain}' is not a domain name.", SenderDomain);
        if (ReceivedAfter is { } a && ReceivedBefore is { } b && a >= b)
            throw new AirException(AirErrorKind.InvalidInput, $"-ReceivedAfter ({a:u}) must be earlier than -ReceivedBefore ({b:u}).");
        foreach (var id in InternetMessageIds) Addresses.ValidateInternetMessageId(id);
        if (ServerFilter() is null)
            throw new AirException(AirErrorKind.InvalidInput,
                "-SenderDomain (or a -Subject matched other than exactly) alone would read every message of every mailbox; add -ReceivedAfter (or another condition) to narrow the scan.");
    }

    /// <summary>
    /// The Graph <c>$filter</c> for the server-side part, or null when nothing narrows it server-side. A sender of one of
    /// <paramref name="tenantDomains"/> is matched on our side only: Graph's <c>from/emailAddress/address eq</c> is
    /// reported to miss senders of the same organisation (live-evidence.md), which would silently leave a compromised
    /// account's mail in place.
    /// </summary>
    public string? ServerFilter(IReadOnlyCollection<string>? tenantDomains = null)
    {
        var parts = new List<string>();
        if (Sender is not null && !IsInternal(Sender, tenantDomains)) parts.Add($"from/emailAddress/address eq {OData.Quote(Sender)}");
        if (Subject is not null && SubjectMatch == SubjectMatch.Exact) parts.Add($"subject eq {OData.Quote(Subject)}");
        if (ReceivedAfter is { } after) parts.Add($"receivedDateTime ge {OData.Date(after)}");
        if (ReceivedBefore is { } before) parts.Add($"receivedDateTime lt {OData.Date(before)}");
        if (InternetMessageIds.Count == 1) parts.Add($"internetMessageId eq {OData.Quote(InternetMessageIds[0])}");
        else if (InternetMessageIds.Count > 1) parts.Add("(" + OData.AnyOf("internetMessageId", InternetMessageIds) + ")");
        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    /// <summary>The subject condition, as <see cref="SubjectMatch"/> says (true when no subject was given).</summary>
    public bool MatchesSubject(string? subject) => Subject is null || (subject is not null && SubjectMatch switch
    {
        SubjectMatch.Contains => subject.Contains(Subject, StringComparison.OrdinalIgnoreCase),
        SubjectMatch.StartsWith => subject.StartsWith(Subject, StringComparison.OrdinalIgnoreCase),
        _ => string.Equals(subject, Subject, StringComparison.OrdinalIgnoreCase),
    });

    /// <summary>True when <paramref name="address"/> is in one of the tenant's own domains.</summary>
    public static bool IsInternal(string address, IReadOnlyCollection<string>? tenantDomains)
    {
        var at = address.LastIndexOf('@');
        return tenantDomains is { Count: > 0 } && at >= 0 && tenantDomains.Contains(address[(at + 1)..], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The client-side part: the exact sender (when given) and the sender's domain (when given).</summary>
    public bool MatchesLocally(string? fromAddress)
    {
        if (Sender is not null && !string.Equals(fromAddress, Sender, StringComparison.OrdinalIgnoreCase)) return false;
        if (SenderDomain is null) return true;
        if (fromAddress is null) return false;
        var domain = SenderDomain.TrimStart('@');
        var at = fromAddress.LastIndexOf('@');
        return at >= 0 && string.Equals(fromAddress[(at + 1)..], domain, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A readable description for prompts and summaries.</summary>
    public string Describe()
    {
        var b = new StringBuilder();
        void Add(string s) { if (b.Length > 0) b.Append(", "); b.Append(s); }
        if (Sender is not null) Add($"sender {Sender}");
        if (SenderDomain is not null) Add($"sender domain {SenderDomain.TrimStart('@')}");
        if (Subject is not null) Add(SubjectMatch switch
        {
            SubjectMatch.Contains => $"subject containing \"{Subject}\"",
            SubjectMatch.StartsWith => $"subject starting with \"{Subject}\"",
            _ => $"subject \"{Subject}\"",
        });
        if (ReceivedAfter is { } a) Add($"received on/after {a:u}");
        if (ReceivedBefore is { } bb) Add($"received before {bb:u}");
        if (InternetMessageIds.Count > 0) Add($"{InternetMessageIds.Count} internet message id(s)");
        return b.ToString();
    }
}
