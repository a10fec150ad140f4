using AirRemediation.Engine.Graph;
using Microsoft.Graph;
using Microsoft.Graph.Models.Security;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;

namespace AirRemediation.Engine.Investigations;

/// <summary>Graph security calls: alerts_v2 with typed evidence, alert comments, analyzedEmails. One request per call.</summary>
internal sealed class SecurityApi(GraphServiceClient client)
{
    // Evolvable enum members (evidence remediationStatus pendingApproval, …) only come back with this header.
    private const string EnumPreference = "include-unknown-enum-members";

    public async Task<(IReadOnlyList<Investigation> Items, string? NextLink)> ListAlertsPageAsync(InvestigationQuery q, string? nextLink, CancellationToken ct)
    {
        AlertCollectionResponse? page;
        if (nextLink is not null)
        {
            page = await client.Security.Alerts_v2.WithUrl(nextLink).GetAsync(r => r.Headers.Add("Prefer", EnumPreference), ct).ConfigureAwait(false);
        }
        else
        {
            var filters = new List<string>();
            if (q.OfficeOnly) filters.Add("serviceSource eq 'microsoftDefenderForOffice365'");
            if (q.Statuses.Count > 0) filters.Add("(" + OData.AnyOf("status", q.Statuses) + ")");
            if (q.Severities.Count > 0) filters.Add("(" + OData.AnyOf("severity", q.Severities) + ")");
            if (q.CreatedAfter is { } a) filters.Add($"createdDateTime ge {OData.Date(a)}");
            if (q.CreatedBefore is { } b) filters.Add($"createdDateTime lt {OData.Date(b)}");
            page = await client.Security.Alerts_v2.GetAsync(r =>
            {
                r.Headers.Add("Prefer", EnumPreference);
                if (filters.Count > 0) r.QueryParameters.Filter = string.Join(" and ", filters);
                if (q.Top is { } top) r.QueryParameters.Top = top;
            }, ct).ConfigureAwait(false);
        }
        return ((page?.Value ?? []).Select(ToInvestigation).ToList(), page?.OdataNextLink);
    }

    public async Task<Investigation> GetAlertAsync(string alertId, CancellationToken ct)
    {
        var alert = await client.Security.Alerts_v2[alertId].GetAsync(r => r.Headers.Add("Prefer", EnumPreference), ct).ConfigureAwait(false);
        return ToInvestigation(alert!);
    }

    /// <summary>
    /// Posts one comment. A hand-built request: the SDK's comments builder sends an array, which the service refuses
    /// ("Empty Payload. JSON content expected.", msgraph-sdk-dotnet#2514). Returns the alert's comment count after.
    /// </summary>
    public async Task<CommentResult> AddCommentAsync(string alertId, string comment, CancellationToken ct)
    {
        var info = new RequestInformation(Method.POST, "{+baseurl}/security/alerts_v2/{alert%2Did}/comments", new Dictionary<string, object> { ["alert%2Did"] = alertId });
        info.Headers.Add("Accept", "application/json");
        var body = new AlertComment { Comment = comment, OdataType = "microsoft.graph.security.alertComment" };
        info.SetContentFromParsable(client.RequestAdapter, "application/json", body);
        var errors = new Dictionary<string, ParsableFactory<IParsable>> { ["XXX"] = Microsoft.Graph.Models.ODataErrors.ODataError.CreateFromDiscriminatorValue };
        await using var stream = await client.RequestAdapter.SendPrimitiveAsync<Stream>(info, errors, ct).ConfigureAwait(false);
        if (stream is null) return new CommentResult(0);
        using var doc = await System.Text.Json.JsonDocument.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false);
        // The service answers with the alert's whole comment list: {"@odata.context":…, "value":[…]}.
        var count = doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("value", out var v)
            && v.ValueKind == System.Text.Json.JsonValueKind.Array ? v.GetArrayLength() : 0;
        return new CommentResult(count);
    }

    /// <summary>Resolves an alert with a classification and determination (PATCH alerts_v2/{id}); returns the status Graph answered.</summary>
    public async Task<string> ResolveAlertAsync(string alertId, AlertResolution resolution, CancellationToken ct)
    {
        var body = new Alert
        {
            Status = AlertStatus.Resolved,
            Classification = System.Enum.Parse<AlertClassification>(resolution.Classification, ignoreCase: true),
            Determination = System.Enum.Parse<AlertDetermination>(resolution.Determination, ignoreCase: true),
        };
        var after = await client.Security.Alerts_v2[alertId].PatchAsync(body, cancellationToken: ct).ConfigureAwait(false);
        return after?.Status?.ToString() ?? "";
    }

    /// <summary>How many network message ids one analyzedEmails query asks for (or-ed in its $filter).</summary>
    public const int NetworkIdsPerQuery = 20;

    /// <summary>
    /// (network message id, recipient, internetMessageId) for up to <see cref="NetworkIdsPerQuery"/> network message ids,
    /// from Defender's analyzedEmails, within [<paramref name="start"/>, <paramref name="end"/>]: one query (and its pages)
    /// for the batch, not one per id, since the API allows 150 requests a minute.
    /// </summary>
    public async Task<IReadOnlyList<(string NetworkMessageId, string Recipient, string InternetMessageId)>> ResolveNetworkMessagesAsync(
        IReadOnlyCollection<string> networkMessageIds, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var pairs = new List<(string, string, string)>();
        // startTime/endTime are query parameters of the API that the SDK does not model: the URL is built here.
        var url = $"{client.RequestAdapter.BaseUrl?.TrimEnd('/')}/security/collaboration/analyzedEmails" +
            $"?$filter={Uri.EscapeDataString(OData.AnyOf("networkMessageId", networkMessageIds))}" +
            $"&startTime={Uri.EscapeDataString(OData.Date(start))}&endTime={Uri.EscapeDataString(OData.Date(end))}&$top=1000";
        var page = await client.Security.Collaboration.AnalyzedEmails.WithUrl(url).GetAsync(cancellationToken: ct).ConfigureAwait(false);
        while (page is not null)
        {
            foreach (var e in page.Value ?? [])
                if (e.RecipientEmailAddress is not null && e.InternetMessageId is not null && e.NetworkMessageId is not null)
                    pairs.Add((e.NetworkMessageId, e.RecipientEmailAddress, e.InternetMessageId));
            if (page.OdataNextLink is null) break;
            page = await client.Security.Collaboration.AnalyzedEmails.WithUrl(page.OdataNextLink).GetAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        return pairs;
    }

    private static Investigation ToInvestigation(Alert a) => new()
    {
        AlertId = a.Id ?? "",
        IncidentId = a.IncidentId,
        Title = a.Title,
        Severity = Enum(a.Severity?.ToString()),
        Status = Enum(a.Status?.ToString()),
        InvestigationState = Enum(a.InvestigationState?.ToString()),
        ServiceSource = Enum(a.ServiceSource?.ToString()),
        DetectionSource = Enum(a.DetectionSource?.ToString()),
        CreatedDateTime = a.CreatedDateTime,
        AlertWebUrl = a.AlertWebUrl,
        Evidence = (a.Evidence ?? []).Select(ToEvidence).ToList(),
    };

    private static EvidenceInfo ToEvidence(AlertEvidence e)
    {
        var type = (e.OdataType ?? "").Replace("#microsoft.graph.security.", "", StringComparison.Ordinal).Replace("microsoft.graph.security.", "", StringComparison.Ordinal);
        var info = new EvidenceInfo { Type = type, RemediationStatus = Enum(e.RemediationStatus?.ToString()), Verdict = Enum(e.Verdict?.ToString()) };
        return e switch
        {
            AnalyzedMessageEvidence m => info with
            {
                RecipientEmailAddress = m.RecipientEmailAddress, InternetMessageId = m.InternetMessageId, NetworkMessageId = m.NetworkMessageId, Subject = m.Subject,
            },
            MailClusterEvidence c => info with
            {
                ClusterBy = c.ClusterBy, ClusterByValue = c.ClusterByValue, EmailCount = c.EmailCount, NetworkMessageIds = c.NetworkMessageIds ?? [], Query = c.Query,
            },
            UrlEvidence u => info with { Url = u.Url },
            MailboxConfigurationEvidence m => info with
            {
                MailboxAddress = m.MailboxPrimaryAddress ?? m.Upn, ConfigurationType = Enum(m.ConfigurationType?.ToString()),
                ConfigurationId = m.ConfigurationId, DisplayName = m.DisplayName,
            },
            MailboxEvidence m => info with { MailboxAddress = m.PrimaryAddress ?? m.Upn, DisplayName = m.DisplayName },
            _ => info,
        };
    }

    /// <summary>SDK enums print PascalCase (PendingApproval); Graph's wire form is camelCase (pendingApproval).</summary>
    private static string? Enum(string? s) => string.IsNullOrEmpty(s) ? s : char.ToLowerInvariant(s[0]) + s[1..];
}

internal sealed record CommentResult(int CommentCount);
