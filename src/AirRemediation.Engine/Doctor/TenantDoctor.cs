using System.Net.Http.Headers;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Exchange;

namespace AirRemediation.Engine.Doctor;

/// <summary>
/// Test-AirTenant: checks, one smallest possible read each, every assumption the module makes about a tenant — token
/// audiences and roles, users by UPN and by id, each message <c>$filter</c> form a cluster uses (alone and combined), the
/// soft-delete target folder, inbox rules, alerts_v2 with unknown enum members, analyzedEmails with a time window, the
/// Exchange admin API cmdlets and its paging, and the error shapes of a missing object. Read-only: no request changes
/// anything. With a record folder, every answer is also written as a shape (values replaced by their JSON type).
/// </summary>
public sealed class TenantDoctor
{
    private const string GraphAppId = "00000003-0000-0000-c000-000000000000";
    private const string ExchangeAppId = "00000002-0000-0ff1-ce00-000000000000";
    private const string ProbeSubject = "AirRemediation Test-AirTenant probe";
    private const string ProbeSender = "probe@airremediation.invalid";

    private readonly AirSession session;
    private readonly HttpClient http;
    private readonly string? recordTo;
    private readonly Action<ProbeResult> onResult;
    private readonly List<ProbeResult> results = [];

    private TenantDoctor(AirSession session, string? recordTo, Action<ProbeResult>? onResult)
    {
        this.session = session;
        this.recordTo = recordTo;
        this.onResult = onResult ?? (_ => { });
        http = new HttpClient(session.Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(100) };
    }

    /// <summary>Runs every probe in order; <paramref name="mailbox"/> is the mailbox the mail probes read (default: the signed-in user, or the tenant's first user).</summary>
    public static async Task<IReadOnlyList<ProbeResult>> RunAsync(AirSession session, string? mailbox, string? recordTo, Action<ProbeResult>? onResult, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (recordTo is not null) Directory.CreateDirectory(recordTo);
        var doctor = new TenantDoctor(session, recordTo, onResult);
        using (doctor.http)
        {
            doctor.Tokens();
            await doctor.GraphAsync(mailbox, ct).ConfigureAwait(false);
            await doctor.ExchangeAsync(ct).ConfigureAwait(false);
        }
        return doctor.results;
    }

    private void Add(ProbeResult r)
    {
        results.Add(r);
        onResult(r);
    }

    // ------------------------------------------------------------------ tokens

    private void Tokens()
    {
        var graph = session.GraphClaims;
        var graphAud = session.Cloud.Graph.GetLeftPart(UriPartial.Authority);
        Add(Audience("Graph token audience", graph.Audience, graphAud, GraphAppId));
        var granted = graph.Roles.Concat(graph.Scopes).ToList();
        var needs = new[] { "Mail.ReadWrite", "MailboxSettings.ReadWrite" };
        var missing = needs.Where(n => !granted.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        Add(new ProbeResult("Token", "Graph permissions for remediation", missing.Count == 0 ? ProbeOutcome.Pass : ProbeOutcome.Fail, null, null,
            $"{(session.IsUser ? "delegated" : "application")}: {(granted.Count == 0 ? "none" : string.Join(", ", granted.Order(StringComparer.OrdinalIgnoreCase)))}",
            missing.Count == 0 ? null : $"Grant {string.Join(" and ", missing)} (see docs/PERMISSIONS.md)."));
        if (session.ExchangeClaims is not { } exchange)
        {
            Add(new ProbeResult("Token", "Exchange token", ProbeOutcome.Skipped, null, null, session.ExchangeUnavailableReason ?? "not connected to Exchange Online",
                "Block-AirUrl and mailbox forwarding need an Exchange Online token (Exchange.ManageAsApp or Exchange.Manage)."));
            return;
        }
        Add(Audience("Exchange token audience", exchange.Audience, session.Cloud.Exchange.GetLeftPart(UriPartial.Authority), ExchangeAppId));
        var exGranted = exchange.Roles.Concat(exchange.Scopes).ToList();
        var exOk = exGranted.Any(r => r.StartsWith("Exchange.Manage", StringComparison.OrdinalIgnoreCase));
        Add(new ProbeResult("Token", "Exchange admin API permission", exOk ? ProbeOutcome.Pass : ProbeOutcome.Fail, null, null,
            exGranted.Count == 0 ? "none" : string.Join(", ", exGranted.Order(StringComparer.OrdinalIgnoreCase)),
            exOk ? null : "Grant Exchange.ManageAsApp (application) or Exchange.Manage (delegated) on Office 365 Exchange Online."));
    }

    private static ProbeResult Audience(string name, string? aud, string resource, string appId)
    {
        var ok = string.Equals(aud?.TrimEnd('/'), resource, StringComparison.OrdinalIgnoreCase) || string.Equals(aud, appId, StringComparison.OrdinalIgnoreCase);
        return new ProbeResult("Token", name, ok ? ProbeOutcome.Pass : ProbeOutcome.Fail, null, null, $"aud is {aud ?? "(none)"}",
            ok ? null : $"The token is for another resource; it must be for {resource} (check -Environment and the endpoint overrides).");
    }

    // ------------------------------------------------------------------ Graph

    private async Task GraphAsync(string? mailbox, CancellationToken ct)
    {
        // Whose mail to read: the given mailbox, the signed-in user, or the first of the tenant's users whose mailbox
        // answers (the first users of a tenant are often unlicensed admin accounts without one).
        var start = mailbox is not null ? $"/users/{Uri.EscapeDataString(mailbox)}?$select=id,userPrincipalName,mail"
            : session.IsUser ? "/me?$select=id,userPrincipalName,mail" : "/users?$top=20&$select=id,userPrincipalName,mail";
        var first = await GetAsync("Find the mailbox to probe", mailbox is not null ? "GET /users/{upn}" : session.IsUser ? "GET /me" : "GET /users?$top=20", start, null, ct).ConfigureAwait(false);
        var candidates = first.Json?["value"] is JsonArray list ? list.OfType<JsonObject>().ToList() : first.Json is JsonObject one ? [one] : [];
        string? id = null, upn = null;
        var tried = 0;
        foreach (var candidate in candidates.Where(c => (string?)c["id"] is not null && (string?)c["userPrincipalName"] is not null))
        {
            tried++;
            var inbox = await GetAsync("Find the mailbox to probe (inbox)", "GET /users/{id}/mailFolders/inbox", $"/users/{(string?)candidate["id"]}/mailFolders/inbox?$select=id", null, ct).ConfigureAwait(false);
            if (!inbox.Ok) continue;
            (id, upn) = ((string?)candidate["id"], (string?)candidate["userPrincipalName"]);
            break;
        }
        if (!first.Ok || id is null || upn is null)
        {
            Add(Failed("Graph", "Find the mailbox to probe", first.Ok ? first with { Code = $"no reachable mailbox among {tried} users" } : first,
                "Pass -Mailbox with a licensed mailbox; listing users needs User.Read.All (application) or User.Read (delegated)."));
            return;
        }
        Add(Passed("Graph", "Find the mailbox to probe", first, tried <= 1 ? "found" : $"the first of {tried} users with a reachable mailbox"));

        Judge("Graph", "User by UPN", await GetAsync("User by UPN", "GET /users/{upn}", $"/users/{Uri.EscapeDataString(upn)}?$select=id", null, ct).ConfigureAwait(false),
            "Graph resolves /users/{key} by object id or UPN (not by SMTP address).");
        Judge("Graph", "User by object id", await GetAsync("User by object id", "GET /users/{id}", $"/users/{id}?$select=id", null, ct).ConfigureAwait(false),
            "The module keys mailboxes by object id.");

        var messages = $"/users/{id}/messages?$top=1&$select=id,internetMessageId&$filter=";
        var since = session.Clock.GetUtcNow().AddDays(-1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        (string Name, string Template, string Filter)[] filters =
        [
            ("Message $filter: subject eq", "subject eq '{subject}'", $"subject eq '{ProbeSubject}'"),
            ("Message $filter: sender address eq", "from/emailAddress/address eq '{address}'", $"from/emailAddress/address eq '{ProbeSender}'"),
            ("Message $filter: received since", "receivedDateTime ge {time}", $"receivedDateTime ge {since}"),
            ("Message $filter: internetMessageId eq", "internetMessageId eq '{id}'", "internetMessageId eq '<probe@airremediation.invalid>'"),
            ("Message $filter: combined", "receivedDateTime ge {time} and from/emailAddress/address eq '{address}' and subject eq '{subject}'",
                $"receivedDateTime ge {since} and from/emailAddress/address eq '{ProbeSender}' and subject eq '{ProbeSubject}'"),
        ];
        foreach (var (name, template, filter) in filters)
            Judge("Graph", name, await GetAsync(name, "GET /users/{id}/messages?$filter=" + template, messages + Uri.EscapeDataString(filter), null, ct).ConfigureAwait(false),
                "Graph refused a $filter form a cluster soft delete uses; a cluster on this field would fail (report the code in an issue).");

        Judge("Graph", "Soft delete target folder", await GetAsync("Soft delete target folder", "GET /users/{id}/mailFolders/recoverableitemsdeletions",
            $"/users/{id}/mailFolders/recoverableitemsdeletions?$select=id", null, ct).ConfigureAwait(false),
            "The well-known folder recoverableitemsdeletions must be readable with Mail.ReadWrite.");
        Judge("Graph", "Inbox rules", await GetAsync("Inbox rules", "GET /users/{id}/mailFolders/inbox/messageRules",
            $"/users/{id}/mailFolders/inbox/messageRules?$top=1", null, ct).ConfigureAwait(false),
            "Reading inbox rules needs MailboxSettings.Read or MailboxSettings.ReadWrite.");

        var alerts = await GetAsync("Defender alerts (alerts_v2)", "GET /security/alerts_v2?$top=1 (Prefer: include-unknown-enum-members)",
            "/security/alerts_v2?$top=1", "include-unknown-enum-members", ct).ConfigureAwait(false);
        Judge("Graph", "Defender alerts (alerts_v2)", alerts, "Needs SecurityAlert.Read.All (or .ReadWrite.All) and a Defender license.", optional: true);

        if (session.IsUser)
        {
            Add(new ProbeResult("Graph", "analyzedEmails with a time window", ProbeOutcome.Skipped, null, null,
                "analyzedEmails has application permissions only", "Run Test-AirTenant as the application that syncs cluster evidence."));
        }
        else
        {
            var end = session.Clock.GetUtcNow();
            string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            Judge("Graph", "analyzedEmails with a time window", await GetAsync("analyzedEmails with a time window",
                "GET /security/collaboration/analyzedEmails?startTime={time}&endTime={time}&$top=1",
                $"/security/collaboration/analyzedEmails?startTime={Time(end.AddDays(-1))}&endTime={Time(end)}&$top=1", null, ct).ConfigureAwait(false),
                "Needs SecurityAnalyzedMessage.Read.All and Defender for Office 365 Plan 2.", optional: true);
        }

        var missing = await GetAsync("Missing user: error shape", "GET /users/{unknown id}", $"/users/{Guid.NewGuid()}?$select=id", null, ct).ConfigureAwait(false);
        Add(missing.Status == 404 && missing.Code is not null
            ? Passed("Graph", "Missing user: error shape", missing, "404 with an error code")
            : Failed("Graph", "Missing user: error shape", missing, "The module reads a missing object as 404 with error.code; this tenant answers otherwise (report it)."));
    }

    // ------------------------------------------------------------------ Exchange

    private async Task ExchangeAsync(CancellationToken ct)
    {
        if (session.ExchangeClaims is null)
        {
            Add(new ProbeResult("Exchange", "Exchange admin API", ProbeOutcome.Skipped, null, null, "no Exchange Online token", null));
            return;
        }
        var client = new ExchangeAdminClient(session, session.Caller);
        Judge("Exchange", "Get-AcceptedDomain", await InvokeAsync(client, "Get-AcceptedDomain", [], null, ct).ConfigureAwait(false),
            "Needs an Exchange role that can read the organization configuration (Exchange Administrator, or View-Only Organization Management).");
        Judge("Exchange", "Get-Mailbox", await InvokeAsync(client, "Get-Mailbox", new() { ["ResultSize"] = "1" }, null, ct).ConfigureAwait(false),
            "Needs Exchange Administrator or Exchange Recipient Administrator.");
        var list = await InvokeAsync(client, "Get-TenantAllowBlockListItems", new() { ["ListType"] = "Url" }, null, ct).ConfigureAwait(false);
        Judge("Exchange", "Get-TenantAllowBlockListItems (URLs)", list, "Reading the Tenant Allow/Block List needs Exchange Administrator or Security Administrator/Reader.");
        if (list.Ok && (string?)list.Json?["@odata.nextLink"] is { } next && Uri.TryCreate(next, UriKind.Absolute, out var nextUri))
            Judge("Exchange", "Paging (@odata.nextLink)", await InvokeAsync(client, "Get-TenantAllowBlockListItems", new() { ["ListType"] = "Url" }, nextUri, ct).ConfigureAwait(false),
                "Following the nextLink failed: the module pages through long block lists this way (report the code).");
        else if (list.Ok)
            Add(new ProbeResult("Exchange", "Paging (@odata.nextLink)", ProbeOutcome.Skipped, list.Status, null, "the list fits one page of one entry", null));

        var missing = await InvokeAsync(client, "Get-Mailbox", new() { ["Identity"] = "airremediation-probe-" + Guid.NewGuid().ToString("N")[..12] }, null, ct).ConfigureAwait(false);
        var classified = missing.Ok ? null : ExchangeAdminClient.ToException(missing.Status, missing.Body, null, session.Clock.GetUtcNow());
        Add(classified?.Kind == Http.FailureKind.NotFound
            ? Passed("Exchange", "Missing mailbox: error shape", missing, "read as not found")
            : Failed("Exchange", "Missing mailbox: error shape", missing,
                "The module would not read this answer as 'not found' (undo and removals would report Failed instead of already done); report the code."));
    }

    // ------------------------------------------------------------------ plumbing

    private sealed record Answer(int Status, string Body, JsonNode? Json, string? Code)
    {
        public bool Ok => Status is >= 200 and < 300;
    }

    private void Judge(string area, string name, Answer a, string hint, bool optional = false) =>
        Add(a.Ok ? Passed(area, name, a, "accepted")
            : optional && a.Status is 401 or 403 ? new ProbeResult(area, name, ProbeOutcome.Skipped, a.Status, a.Code, "not permitted for this sign-in", hint)
            : Failed(area, name, a, hint));

    private static ProbeResult Passed(string area, string name, Answer a, string detail) => new(area, name, ProbeOutcome.Pass, a.Status, null, detail);

    private static ProbeResult Failed(string area, string name, Answer a, string hint) =>
        new(area, name, ProbeOutcome.Fail, a.Status == 0 ? null : a.Status, a.Code, a.Status == 0 ? "no answer" : $"HTTP {a.Status}", hint);

    private async Task<Answer> GetAsync(string probe, string template, string relative, string? prefer, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(session.GraphEndpoint.ToString().TrimEnd('/') + relative));
        if (prefer is not null) request.Headers.TryAddWithoutValidation("Prefer", prefer);
        return await SendAsync(probe, template, request, ServiceKind.Graph, ct).ConfigureAwait(false);
    }

    private async Task<Answer> InvokeAsync(ExchangeAdminClient client, string cmdlet, Dictionary<string, object?> parameters, Uri? page, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, page ?? client.InvokeUri)
        {
            Content = new StringContent(ExchangeAdminClient.Body(cmdlet, parameters), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-AnchorMailbox", ExchangeAdminClient.SystemMailboxAnchor + session.TenantId);
        // One entry a page, so that a list of two entries already shows whether paging works.
        request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=1");
        var template = $"POST InvokeCommand {cmdlet}{(parameters.Count == 0 ? "" : " -" + string.Join(" -", parameters.Keys))}{(page is null ? "" : " (next page)")}";
        return await SendAsync(cmdlet + (page is null ? "" : " next page"), template, request, ServiceKind.Exchange, ct).ConfigureAwait(false);
    }

    private async Task<Answer> SendAsync(string probe, string template, HttpRequestMessage request, ServiceKind service, CancellationToken ct)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await session.GetTokenAsync(service, ct).ConfigureAwait(false));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        Answer answer;
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            JsonNode? json = null;
            try
            {
                json = string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                // Not JSON: recorded as such; the status decides.
            }
            answer = new Answer((int)response.StatusCode, body, json, json?["error"]?["code"] is JsonValue c ? (string?)c : null);
        }
        catch (HttpRequestException)
        {
            answer = new Answer(0, "", null, null);
        }
        Record(probe, template, answer);
        return answer;
    }

    private void Record(string probe, string template, Answer a)
    {
        if (recordTo is null) return;
        var file = Path.Combine(recordTo, $"{results.Count + 1:00}-{string.Concat(probe.Select(ch => char.IsLetterOrDigit(ch) ? char.ToLowerInvariant(ch) : '-'))}.json");
        File.WriteAllText(file, ShapeRecorder.Record(probe, template, a.Status == 0 ? null : a.Status, a.Body)
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
