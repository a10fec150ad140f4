using System.Net.Http.Headers;
using AirRemediation.Engine.Auth;
using AirRemediation.Engine.Diagnostics;
using AirRemediation.Engine.Http;

namespace AirRemediation.Engine.Exchange;

/// <summary>
/// The one place that knows the Exchange Online admin REST endpoint, which Microsoft does not document (the
/// ExchangeOnlineManagement module uses it since 3.0): <c>POST {exchange}/adminapi/beta/{tenantId}/InvokeCommand</c>
/// with <c>{"CmdletInput":{"CmdletName":..,"Parameters":{..}}}</c>. Everything we rely on is written down in
/// docs/EXCHANGE-ADMIN-API.md. Every page is one call through the run's <see cref="ServiceCaller"/>, so Exchange gets
/// the same retry, throttle and 401-renewal policy as Graph; failures become <see cref="ServiceCallException"/>s with
/// the service's own message.
/// </summary>
internal sealed class ExchangeAdminClient
{
    /// <summary>The routing hint for cmdlets that are not about one mailbox (TABL, accepted domains).</summary>
    public const string SystemMailboxAnchor = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@";

    /// <summary>The service key under which every admin API call of a session shares one cap and one pause (Exchange limits them per tenant).</summary>
    public const string Service = "exchange-admin-api";

    /// <summary>What Exchange answers, as plain text and not as a 429, when the tenant has too many admin API requests in flight (GreyCorbel/ExoHelper matches it).</summary>
    internal const string TenantBusyText = "maximum number of concurrent requests per tenant";

    /// <summary>What Exchange answers (400, "Invalid Operation", type System.Exception) for a page continuation it no longer honours.</summary>
    internal const string PaginationRefusedText = "Expired or Invalid pagination request";

    /// <summary>The code of that refusal, and of the error when a listing cannot be finished because of it.</summary>
    internal const string PaginationRefusedCode = "PaginationExpired";

    private readonly AirSession session;
    private readonly ServiceCaller caller;
    private readonly HttpClient http;
    private readonly Uri invokeUri;

    public ExchangeAdminClient(AirSession session, ServiceCaller caller)
    {
        this.session = session;
        this.caller = caller;
        // The session's shared handler (tracing, sockets); disposing this client must not dispose it.
        http = new HttpClient(session.Handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(100) };
        var root = session.ExchangeEndpoint.ToString().TrimEnd('/');
        invokeUri = new Uri($"{root}/adminapi/beta/{Uri.EscapeDataString(session.TenantId)}/InvokeCommand");
    }

    /// <summary>Objects per page asked for with Prefer: odata.maxpagesize (1000 is what ExchangeOnlineManagement asks for; a larger maximum is unverified).</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>The InvokeCommand address of this tenant.</summary>
    public Uri InvokeUri => invokeUri;

    /// <summary>
    /// Runs one cmdlet and returns every page of its output. <paramref name="mailbox"/> names the mailbox the cmdlet
    /// is about (it becomes <c>X-AnchorMailbox: UPN:&lt;mailbox&gt;</c> and the throttle gate); null routes to the
    /// tenant's system mailbox. Parameters with a null value are sent as JSON null (Exchange's $null, which clears
    /// a property); switches are sent as true. <paramref name="untilLimitFrees"/>, when the caller keeps count of its
    /// use of a cmdlet's own limit (message trace's 100 queries in 5 minutes), says how long until that limit frees: it
    /// becomes the Retry-After of a ThrottlingException, which Exchange sends without one.
    /// </summary>
    /// <remarks>
    /// Exchange may refuse a page's <c>@odata.nextLink</c> ("Expired or Invalid pagination request", after 30 minutes
    /// or on a replay; docs/SIMULATOR.md, open question 19), and a P2 tenant's 10,000 URL block entries take ten pages.
    /// A read-only cmdlet (<c>Get-*</c>) is then run again from its first page, once, and what it lists is kept once per
    /// <c>Identity</c>; a cmdlet that changes something is never run again. Either way a second refusal is an error that
    /// names the cmdlet.
    /// </remarks>
    public async Task<ExchangeResult> InvokeAsync(string cmdlet, IReadOnlyDictionary<string, object?> parameters, string? mailbox,
        CancellationToken ct, Func<CancellationToken, Task<ExchangeResult?>>? verify = null, Func<TimeSpan>? untilLimitFrees = null)
    {
        EnsureConnected(session);
        // The tracing handler shows only "POST …/InvokeCommand"; say which cmdlet it is (never the parameter values).
        AirLog.Current.Verbose($"Exchange {cmdlet}{(mailbox is null ? "" : " for " + mailbox)} ({string.Join(", ", parameters.Keys)})");
        var request = new Listing(cmdlet, Body(cmdlet, parameters), mailbox, mailbox is null ? SystemMailboxAnchor + session.TenantId : "UPN:" + mailbox, untilLimitFrees);
        var readOnly = IsReadOnly(cmdlet);
        var (result, refused) = await ReadPagesAsync(request, readOnly, verify, ct).ConfigureAwait(false);
        if (refused is not null)
        {
            if (!readOnly) throw ContinuationRefused(cmdlet, refused, startedOver: false);
            AirLog.Current.Verbose($"Exchange refused the next page of {cmdlet} (its continuation expired or was already used); listing again from the first page.");
            (result, refused) = await ReadPagesAsync(request, readOnly, null, ct).ConfigureAwait(false);
            if (refused is not null) throw ContinuationRefused(cmdlet, refused, startedOver: true);
        }
        foreach (var w in result!.Warnings) AirLog.Current.Verbose($"Exchange {cmdlet}: {w}");
        return result;
    }

    /// <summary>Cmdlets that only read, and so may be run again to start a listing over.</summary>
    internal static bool IsReadOnly(string cmdlet) => cmdlet.StartsWith("Get-", StringComparison.OrdinalIgnoreCase);

    private sealed record Listing(string Cmdlet, string Body, string? Mailbox, string Anchor, Func<TimeSpan>? UntilLimitFrees);

    /// <summary>
    /// Every page of one run of the cmdlet; or, when Exchange refuses the continuation of a page after the first, that
    /// refusal (the pages read so far are dropped: a listing started over is read whole, as it is then).
    /// </summary>
    private async Task<(ExchangeResult? Result, ServiceCallException? Refused)> ReadPagesAsync(Listing request, bool dedupe,
        Func<CancellationToken, Task<ExchangeResult?>>? verify, CancellationToken ct)
    {
        var values = new List<JsonObject>();
        var warnings = new List<string>();
        var texts = new List<string>();
        // A list that changes between pages may show an object on two of them; a listing keeps it once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? next = invokeUri;
        var first = true;
        while (next is not null)
        {
            var url = next;
            // Only the first request of a write can have applied something; later pages are reads.
            Func<CancellationToken, Task<Page?>>? check = first && verify is not null
                ? async t => await verify(t).ConfigureAwait(false) is { } r ? new Page(r.Values, r.Warnings, null, r.Texts) : null
                : null;
            Page page;
            try
            {
                page = await caller.CallAsync(request.Mailbox, t => SendAsync(url, request.Body, request.Anchor, request.Cmdlet, request.UntilLimitFrees, t), ct, check, Service).ConfigureAwait(false);
            }
            catch (ServiceCallException e) when (!first && e.Code == PaginationRefusedCode)
            {
                return (null, e);
            }
            values.AddRange(dedupe ? page.Values.Where(v => IdentityOf(v) is not { } id || seen.Add(id)) : page.Values);
            warnings.AddRange(page.Warnings);
            texts.AddRange(page.Texts ?? []);
            next = page.Next;
            first = false;
        }
        return (new ExchangeResult(values, warnings, texts), null);
    }

    private static string? IdentityOf(JsonObject o) => o["Identity"] is JsonValue v && v.TryGetValue<string>(out var id) && id.Length > 0 ? id : null;

    /// <summary>
    /// The error for a listing Exchange would not let us finish: names the cmdlet and what happened, never the link
    /// (its token is the service's cursor). Transient: the service, not the request, is at fault, and a later try
    /// may get through; for a write it also says, truly, that the change may have been applied.
    /// </summary>
    private static ServiceCallException ContinuationRefused(string cmdlet, ServiceCallException refused, bool startedOver) =>
        new(FailureKind.Transient, refused.Status, PaginationRefusedCode, startedOver
            ? $"Exchange Online would not continue the output of {cmdlet}: the continuation of its pages expired or was refused "
              + "(\"Expired or Invalid pagination request\"), again after the listing was started over from the first page. Try again later."
            : $"Exchange Online would not continue the output of {cmdlet}: the continuation of its pages expired or was refused "
              + $"(\"Expired or Invalid pagination request\"). {cmdlet} changes something, so it was not run again to start over: "
              + "its first page was applied, the rest of its output was not read.");

    /// <summary>Refuses a session without an Exchange Online token (before anything is created or sent).</summary>
    public static void EnsureConnected(AirSession session)
    {
        if (session.ExchangeClaims is null)
            throw new AirException(AirErrorKind.NotConnected,
                "This session has no Exchange Online token, which URL blocking and mailbox forwarding need. "
                + (session.ExchangeUnavailableReason ?? "Connect again with an identity that has Exchange.ManageAsApp (or Exchange.Manage) and an Exchange-capable role."));
    }

    internal static string Body(string cmdlet, IReadOnlyDictionary<string, object?> parameters)
    {
        var p = new JsonObject();
        foreach (var (name, value) in parameters) p[name] = ToNode(value);
        var root = new JsonObject { ["CmdletInput"] = new JsonObject { ["CmdletName"] = cmdlet, ["Parameters"] = p } };
        return root.ToJsonString();
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        DateTimeOffset d => JsonValue.Create(d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        DateTime d => JsonValue.Create(d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        IEnumerable<string> list => new JsonArray([.. list.Select(x => (JsonNode?)JsonValue.Create(x))]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private sealed record Page(IReadOnlyList<JsonObject> Values, IReadOnlyList<string> Warnings, Uri? Next, IReadOnlyList<string>? Texts = null);

    private async Task<Page> SendAsync(Uri url, string body, string anchor, string cmdlet, Func<TimeSpan>? untilLimitFrees, CancellationToken ct)
    {
        var token = await session.GetTokenAsync(ServiceKind.Exchange, ct, ServiceCaller.ForceRefreshRequested).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-AnchorMailbox", anchor);
        request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=" + PageSize.ToString(CultureInfo.InvariantCulture));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var retryAfter = response.Headers.TryGetValues("Retry-After", out var ra) ? ra.FirstOrDefault() : null;
            var failure = ToException((int)response.StatusCode, text, retryAfter, session.Clock.GetUtcNow(), cmdlet);
            throw failure is { OwnLimit: true, RetryAfter: null } && untilLimitFrees is not null ? failure.WithRetryAfter(untilLimitFrees()) : failure;
        }
        return ParsePage(text);
    }

    private Page ParsePage(string text)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            throw new ServiceCallException(FailureKind.Transient, 200, "InvalidResponse", "Exchange answered with a body that is not JSON.");
        }
        var items = root["value"] as JsonArray ?? [];
        var values = items.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList();
        var texts = items.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var t) ? t : null).OfType<string>().ToList();
        var warnings = (root["@adminapi.warnings"] as JsonArray ?? []).Select(w => w?.ToString()).OfType<string>().ToList();
        Uri? next = null;
        if ((string?)root["@odata.nextLink"] is { Length: > 0 } link)
        {
            next = new Uri(invokeUri, link);
            // The token goes only to the Exchange host we were configured with, never to a host a response names.
            if (!string.Equals(next.Host, invokeUri.Host, StringComparison.OrdinalIgnoreCase) || next.Port != invokeUri.Port)
                throw new ServiceCallException(FailureKind.Rejected, 200, "UnexpectedNextLink",
                    $"Exchange returned a next page on another host ({next.Host}); it was not followed.");
        }
        return new Page(values, warnings, next, texts);
    }

    /// <summary>
    /// Exchange's error body. Live (graph2otel's captures, docs/EXCHANGE-ADMIN-API.md) the status is 400 for almost every
    /// cmdlet failure and 403 for RBAC, <c>error.message</c> is the literal "Invalid Operation", and what happened is in
    /// <c>error.innererror.internalexception</c> {message, type} and/or <c>error.details[0].message</c> as
    /// "|Full.Exception.Type|text". So the exception type decides the kind (a missing object is NotFound whatever the
    /// status); only without a known type does the status. The code we report is the type's short name, the message the
    /// cmdlet's own text, never "Invalid Operation" when anything better is there.
    /// </summary>
    /// <remarks>
    /// Some answers are known by their text whatever the status: the tenant's concurrency limit (plain text) and a
    /// refused page continuation (not retried: the same link would be refused again; InvokeAsync starts the listing over).
    /// A 403 without any text — live, a run of NUL bytes for an app without an Exchange role (graph2otel) — gets an
    /// explanation naming <paramref name="cmdlet"/> when the caller knows it.
    /// </remarks>
    internal static ServiceCallException ToException(int status, string? body, string? retryAfter, DateTimeOffset now, string? cmdlet = null)
    {
        if (body?.Contains(TenantBusyText, StringComparison.OrdinalIgnoreCase) == true)
            return new ServiceCallException(FailureKind.TenantBusy, status, "TenantConcurrencyLimit",
                "Exchange Online answered that the tenant has reached its maximum number of concurrent admin API requests.", null) { RetryAfterRaw = retryAfter };
        if (body?.Contains(PaginationRefusedText, StringComparison.OrdinalIgnoreCase) == true)
            return new ServiceCallException(FailureKind.Rejected, status, PaginationRefusedCode,
                "Exchange Online refused to continue a listing: \"Expired or Invalid pagination request\" (the next page's link expired or was already used).", null);
        if (status == 403 && IsBlank(body))
            return new ServiceCallException(FailureKind.Forbidden, status, "AccessDenied", cmdlet is null
                ? "Exchange Online refused the request (HTTP 403) without a reason: the identity probably lacks an Exchange RBAC role for it. "
                  + "An app needs Exchange.ManageAsApp and an Entra role Exchange honours (such as Exchange Administrator)."
                : $"Exchange Online refused {cmdlet} (HTTP 403) without a reason: the identity probably lacks an Exchange RBAC role for {cmdlet}. "
                  + "An app needs Exchange.ManageAsApp and an Entra role Exchange honours (such as Exchange Administrator, "
                  + "or Global Reader for cmdlets that only read).", null);
        string? code = null, message = null, type = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(body) && JsonNode.Parse(body) is JsonObject root && root["error"] is JsonObject error)
            {
                code = (string?)error["code"];
                // Property names vary in case between Exchange's builds (internalException / internalexception).
                var inner = Child(Child(error, "innererror"), "internalexception");
                type = (string?)Child(inner, "type");
                message = (string?)Child(inner, "message");
                if (Child(error, "details") is JsonArray { Count: > 0 } details)
                {
                    var detail = StripTypePrefix((string?)details[0]?["message"], ref type);
                    if (string.IsNullOrWhiteSpace(message)) message = detail;
                }
                var top = StripTypePrefix((string?)error["message"], ref type);
                if (string.IsNullOrWhiteSpace(message)) message = top;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a gateway page): the status says enough.
        }
        if (type is not null)
        {
            var dot = type.LastIndexOf('.');
            code = dot >= 0 ? type[(dot + 1)..] : type;
        }
        message = string.IsNullOrWhiteSpace(message) ? $"Exchange answered HTTP {status} without an error message." : message.Trim();
        var classified = ServiceErrorClassifier.FromStatus(status, code, SecretRedactor.Redact(message), retryAfter, now);
        // Exchange's own budgets (message trace: 100 queries in 5 minutes) answer 400 ThrottlingException, without
        // Retry-After: throttling, to be waited out, but not the app's request rate.
        if (code == "ThrottlingException")
            return new ServiceCallException(FailureKind.Throttled, status, code, classified.Message, classified.RetryAfter) { RetryAfterRaw = retryAfter, OwnLimit = true };
        // Only among the "the request was refused" kinds: a 429, 401 or 5xx keeps its retry meaning whatever type it names.
        var refused = classified.Kind is FailureKind.Rejected or FailureKind.NotFound or FailureKind.Forbidden;
        return refused && KindOfType(code) is { } kind && kind != classified.Kind
            ? new ServiceCallException(kind, status, classified.Code, classified.Message, classified.RetryAfter) { RetryAfterRaw = retryAfter }
            : classified;
    }

    /// <summary>What an Exchange exception type means, whatever status it came with; null when the type does not say.</summary>
    internal static FailureKind? KindOfType(string? shortType) => shortType switch
    {
        "ManagementObjectNotFoundException" or "ObjectNotFoundException" or "RecipientNotFoundException" => FailureKind.NotFound,
        "RbacAccessDeniedException" or "AccessDeniedException" => FailureKind.Forbidden,
        "ParameterBindingException" or "AmbiguousParameterSetException" or "ParameterTransformationException" or "TaskException"
            or "CommandNotFoundException" or "ManagementObjectAmbiguousException" or "ArgumentException" or "ValidationException"
            or "TaskArgumentException" or "DataValidationException" => FailureKind.Rejected,
        _ => null,
    };

    /// <summary>No text at all: empty, whitespace, or NUL bytes (which IsNullOrWhiteSpace does not count as blank).</summary>
    private static bool IsBlank(string? body) => body is null || body.All(c => c == '\0' || char.IsWhiteSpace(c));

    private static JsonNode? Child(JsonNode? node, string name)
    {
        if (node is not JsonObject o) return null;
        foreach (var (k, v) in o)
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    /// <summary>"|Type|text" → "text" (and the type).</summary>
    private static string? StripTypePrefix(string? message, ref string? type)
    {
        if (message is null || !message.StartsWith('|')) return message;
        var second = message.IndexOf('|', 1);
        if (second < 0) return message;
        type ??= message[1..second];
        return message[(second + 1)..];
    }
}
