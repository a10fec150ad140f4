using AirRemediation.Simulator.Exchange;
using AirRemediation.Simulator.Identity;
using AirRemediation.Simulator.Limits;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Api;

/// <summary>
/// Every Graph and Exchange request, single or $batch item, runs through here: bearer token, route, permission,
/// per-app limits, 429 storms, per-mailbox limits, faults, latency, handler. The order follows what a client can
/// observe from Microsoft: auth and permission failures are not throttled-first, throttling happens before work.
/// </summary>
public sealed class ApiPipeline(SimulatorContext sim, RouteTable routes, string audience)
{
    public SimulatorContext Sim => sim;

    /// <summary>Exchange's answer when the tenant has too many admin API requests in flight (plain text, as ExoHelper matches it).</summary>
    public const string TenantBusyText = "You have reached the maximum number of concurrent requests per tenant. Please wait and try again.";

    public async Task<ApiResponse> ExecuteAsync(ApiRequest req, CancellationToken ct)
    {
        Interlocked.Increment(ref sim.Stats.TotalRequests);
        var principal = Authenticate(req, out var authError);
        if (principal is null)
        {
            Interlocked.Increment(ref sim.Stats.Unauthorized);
            return authError!;
        }
        req.Principal = principal;

        var (route, p, methodMismatch) = routes.Match(req.Method, req.Segments);
        if (route is null)
        {
            return methodMismatch
                ? GraphErrors.Create(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", req, sim.Clock)
                : GraphErrors.NoSegment(req, req.Segments.LastOrDefault() ?? "");
        }
        var ctx = new RouteContext { Request = req, Params = p!, Sim = sim };

        var denied = Authorize(route, ctx);
        if (denied is not null)
        {
            Interlocked.Increment(ref sim.Stats.Forbidden);
            sim.Stats.CountApp(principal.AppId, false);
            return denied;
        }

        var global = sim.AppLimiter.TakeGlobal(principal.AppId);
        if (global > TimeSpan.Zero) return Throttled(req, principal, null, "TooManyRequests", "Too many requests.", global);
        if (route.Kind == RouteKind.Security)
        {
            var wait = sim.AppLimiter.TakeSecurity(principal.AppId);
            if (wait > TimeSpan.Zero) return Throttled(req, principal, null, "TooManyRequests", "Too many requests.", wait);
        }

        if (route.Kind == RouteKind.Outlook)
        {
            var resolveError = ResolveMailbox(ctx);
            if (resolveError is not null)
            {
                sim.Stats.CountApp(principal.AppId, false);
                return resolveError;
            }
        }

        var mbx = ctx.Mailbox;
        var stormKeys = new List<string>();
        if (mbx is not null) stormKeys.AddRange([mbx.Owner.UserPrincipalName, mbx.Owner.Id, mbx.Owner.Mail]);
        if (route.StormKeys is not null) stormKeys.AddRange(route.StormKeys(ctx));
        var mailboxStats = mbx is null ? null : sim.Stats.Mailbox(mbx.Owner.UserPrincipalName);
        if (mailboxStats is not null)
        {
            Interlocked.Increment(ref mailboxStats.Requests);
            if (sim.MailboxLimiter.ArrivedEarly(principal.AppId, mbx!.Index)) Interlocked.Increment(ref mailboxStats.EarlyRetries);
        }

        if (stormKeys.Count > 0 && sim.Faults.ActiveStorm(stormKeys) is { } storm)
        {
            return StormResponse(req, principal, mbx, mailboxStats, storm);
        }

        var exchangeSlot = false;
        if (route.Kind == RouteKind.Exchange)
        {
            if (Interlocked.Increment(ref sim.ExchangeInFlight) > sim.Limits.ExchangeTenantConcurrency)
            {
                Interlocked.Decrement(ref sim.ExchangeInFlight);
                Interlocked.Increment(ref sim.Stats.ExchangeBusy);
                sim.Stats.CountApp(principal.AppId, true);
                return ApiResponse.PlainText(sim.Limits.ExchangeConcurrencyStatus, TenantBusyText);
            }
            exchangeSlot = true;
        }

        MailboxLimiter.Lease? lease = null;
        if (mbx is not null && route.Kind == RouteKind.Outlook)
        {
            lease = sim.MailboxLimiter.TryEnter(principal.AppId, mbx.Index, out var reason, out var retryAfter);
            if (lease is null)
            {
                sim.MailboxLimiter.RecordRetryAfter(principal.AppId, mbx.Index, retryAfter);
                Interlocked.Increment(ref mailboxStats!.Throttled);
                var message = reason == "concurrency"
                    ? "Application is over its MailboxConcurrency limit."
                    : "Application is over its MailboxRequestRate limit.";
                return Throttled(req, principal, mailboxStats, "ApplicationThrottled", message, retryAfter, countedMailbox: true);
            }
        }

        try
        {
            if (mailboxStats is not null)
            {
                var c = Interlocked.Increment(ref mailboxStats.CurrentConcurrency);
                int seen;
                while (c > (seen = Volatile.Read(ref mailboxStats.MaxConcurrency)) && Interlocked.CompareExchange(ref mailboxStats.MaxConcurrency, c, seen) != seen)
                {
                }
            }
            sim.Stats.CountApp(principal.AppId, false);

            var drop = sim.Faults.RollDrop();
            if (drop == false)
            {
                Interlocked.Increment(ref sim.Stats.DroppedConnections);
                return new ApiResponse { AbortConnection = true };
            }
            var serverError = sim.Faults.RollServerError();
            if (serverError != 0)
            {
                Interlocked.Increment(ref sim.Stats.ServerErrors);
                return serverError switch
                {
                    500 => GraphErrors.Create(500, "generalException", "General exception while processing.", req, sim.Clock),
                    502 => GraphErrors.Create(502, "BadGateway", "The server, while acting as a gateway or proxy, received an invalid response from the upstream server.", req, sim.Clock),
                    _ => GraphErrors.Create(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.", req, sim.Clock),
                };
            }

            await Latency(ct).ConfigureAwait(false);

            ApiResponse response;
            try
            {
                response = route.Handler(ctx);
            }
            catch (JsonException)
            {
                response = GraphErrors.BadRequest(req, "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("The node must be of type", StringComparison.Ordinal) || e.Message.StartsWith("An element of type", StringComparison.Ordinal))
            {
                response = GraphErrors.BadRequest(req, "Invalid JSON payload: " + e.Message);
            }
            catch (FormatException e)
            {
                response = GraphErrors.BadRequest(req, e.Message);
            }

            if (drop == true)
            {
                Interlocked.Increment(ref sim.Stats.DroppedConnections);
                return new ApiResponse { AbortConnection = true };
            }
            if (response.Status < 400 && sim.Faults.RollGatewayTimeout())
            {
                Interlocked.Increment(ref sim.Stats.GatewayTimeouts);
                return GraphErrors.Create(504, "GatewayTimeout", "The gateway did not receive a response from the upstream server within the allotted time.", req, sim.Clock);
            }
            return response;
        }
        finally
        {
            if (mailboxStats is not null) Interlocked.Decrement(ref mailboxStats.CurrentConcurrency);
            lease?.Dispose();
            if (exchangeSlot) Interlocked.Decrement(ref sim.ExchangeInFlight);
        }
    }

    async Task Latency(CancellationToken ct)
    {
        var l = sim.Limits;
        if (l.LatencyMs <= 0 && l.JitterMs <= 0) return;
        double jitter;
        lock (sim.LatencyRandom) jitter = (sim.LatencyRandom.NextDouble() * 2 - 1) * l.JitterMs;
        var ms = Math.Max(0, l.LatencyMs + jitter);
        if (ms > 0) await Task.Delay(TimeSpan.FromMilliseconds(ms), sim.Clock, ct).ConfigureAwait(false);
    }

    ApiResponse Throttled(ApiRequest req, AccessPrincipal principal, Observability.MailboxStats? mailboxStats, string code, string message, TimeSpan retryAfter, bool countedMailbox = false)
    {
        Interlocked.Increment(ref sim.Stats.Throttled);
        sim.Stats.CountApp(principal.AppId, true);
        if (mailboxStats is not null && !countedMailbox) Interlocked.Increment(ref mailboxStats.Throttled);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        return GraphErrors.Create(429, code, message, req, sim.Clock).With("Retry-After", seconds.ToString(CultureInfo.InvariantCulture));
    }

    ApiResponse StormResponse(ApiRequest req, AccessPrincipal principal, Mailbox? mbx, Observability.MailboxStats? mailboxStats, StormSpec storm)
    {
        var r = Throttled(req, principal, mailboxStats, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", TimeSpan.FromSeconds(storm.RetryAfterSeconds));
        if (mbx is not null) sim.MailboxLimiter.RecordRetryAfter(principal.AppId, mbx.Index, TimeSpan.FromSeconds(storm.RetryAfterSeconds));
        switch (storm.RetryAfterStyle.ToLowerInvariant())
        {
            case "httpdate":
                r.Headers["Retry-After"] = sim.Clock.GetUtcNow().AddSeconds(storm.RetryAfterSeconds).ToString("r", CultureInfo.InvariantCulture);
                break;
            case "missing":
                r.Headers.Remove("Retry-After");
                break;
            case "unparseable":
                r.Headers["Retry-After"] = "soon-ish";
                break;
            default:
                r.Headers["Retry-After"] = storm.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                break;
        }
        return r;
    }

    AccessPrincipal? Authenticate(ApiRequest req, out ApiResponse? error)
    {
        error = null;
        var header = req.Header("Authorization");
        string failure;
        AccessPrincipal? principal = null;
        if (string.IsNullOrWhiteSpace(header))
        {
            failure = "Access token is empty.";
        }
        else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            failure = "Access token validation failure. Invalid audience.";
        }
        else
        {
            principal = sim.Tokens.Validate(header[7..].Trim(), out failure);
            if (principal is not null && principal.Audience != audience)
            {
                principal = null;
                failure = "Access token validation failure. Invalid audience.";
            }
        }
        if (principal is not null) return principal;
        error = audience == Resources.Exchange
            ? ExchangeErrors.Unauthorized(failure)
            : GraphErrors.Create(401, "InvalidAuthenticationToken", failure, req, sim.Clock);
        error.Headers["WWW-Authenticate"] = audience == Resources.Exchange
            ? $"Bearer client_id=\"{Resources.ExchangeAppId}\", trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\", token_types=\"app_asserted_user_v1 service_asserted_app_v1\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"invalid_token\""
            : "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";
        return null;
    }

    ApiResponse? Authorize(Route route, RouteContext ctx)
    {
        var p = ctx.Principal;
        if (route.Permissions.Length == 0) return null;
        var has = p.HasAny(route.Permissions) && (!route.AppOnly || p.IsApp);
        if (has && !p.IsApp && route.DelegatedRoles.Length > 0 && !p.HasAnyRole(route.DelegatedRoles)) has = false;
        if (has) return null;
        return route.Kind switch
        {
            RouteKind.Outlook => ctx.Error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
            RouteKind.Directory => ctx.Error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
            RouteKind.Exchange => ExchangeErrors.Forbidden(),
            _ => ctx.Error(403, "Forbidden", p.IsApp
                ? $"Missing application roles. API required roles: {string.Join(", ", route.Permissions)}. Application roles on the request: {string.Join(", ", p.Roles)}."
                : $"Missing scope permissions on the request. API requires one of '{string.Join(", ", route.Permissions)}'. Scopes on the request '{string.Join(", ", p.Scopes)}'"),
        };
    }

    /// <summary>users/{user}/... or me/...: finds the mailbox as Outlook does, with Outlook's errors.</summary>
    ApiResponse? ResolveMailbox(RouteContext ctx)
    {
        var p = ctx.Principal;
        SimUser? user;
        if (ctx.Params.TryGetValue("user", out var key))
        {
            user = ctx.State.FindUser(key);
            if (user is null)
            {
                if (ctx.State.IsAddressOnly(key)) Interlocked.Increment(ref ctx.Sim.Stats.AddressUsedAsUserKey);
                return ctx.Error(404, "ErrorInvalidUser", $"The requested user '{key}' is invalid.");
            }
        }
        else
        {
            if (p.IsApp) return ctx.Error(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
            user = ctx.State.FindUser(p.ObjectId);
            if (user is null) return ctx.Error(404, "ErrorInvalidUser", "The requested user is invalid.");
        }
        if (!p.IsApp && !string.Equals(user.Id, p.ObjectId, StringComparison.OrdinalIgnoreCase))
        {
            // Delegated Mail.* reaches the signed-in user's own mailbox; another mailbox only with a .Shared permission
            // and FullAccess to that mailbox, as Exchange grants it.
            var caller = ctx.State.FindUser(p.ObjectId);
            var shared = ctx.Request.Method == "GET" ? new[] { "Mail.Read.Shared", "Mail.ReadWrite.Shared" } : ["Mail.ReadWrite.Shared"];
            if (caller is null || user.Mailbox is null || !user.Mailbox.FullAccess.Contains(caller.UserPrincipalName) || !p.HasAny(shared))
                return ctx.Error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
        }
        if (p.IsApp && ctx.State.Apps.TryGetValue(p.AppId, out var app) && app.MailboxScope is { } scope
            && !scope.Contains(user.UserPrincipalName) && !scope.Contains(user.Mail))
        {
            // RBAC for Applications: a scoped app is denied outside its management scope.
            return ctx.Error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
        }
        if (user.Mailbox is null)
        {
            return ctx.Error(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
        }
        if (!user.Mailbox.RestEnabled)
        {
            return ctx.Error(404, "MailboxNotEnabledForRESTAPI", "REST API is not yet supported for this mailbox.");
        }
        ctx.Mailbox = user.Mailbox;
        return null;
    }
}
