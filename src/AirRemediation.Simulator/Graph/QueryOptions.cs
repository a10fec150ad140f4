using AirRemediation.Simulator.Api;

namespace AirRemediation.Simulator.Graph;

/// <summary>$top/$skip/$skiptoken/$select/$orderby/$filter/$count as one request carries them, validated.</summary>
public sealed class QueryOptions
{
    public int Top { get; private set; }
    public int Skip { get; private set; }
    public string[]? Select { get; private set; }
    public string? OrderBy { get; private set; }
    public FilterNode? Filter { get; private set; }
    public bool Count { get; private set; }

    /// <summary>Parses or returns the 400 Graph would send.</summary>
    public static QueryOptions Parse(RouteContext ctx, int defaultTop, int maxTop, string[] allowed, out ApiResponse? error)
    {
        error = null;
        var q = new QueryOptions { Top = defaultTop };
        foreach (var key in ctx.Request.Query.Keys)
        {
            if (key.StartsWith('$') && !allowed.Contains(key, StringComparer.Ordinal))
            {
                error = ctx.Error(400, "BadRequest", $"Query option '{key}' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.");
                return q;
            }
        }
        var query = ctx.Request.Query;
        if (query.TryGetValue("$top", out var top))
        {
            if (!int.TryParse(top, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1 || n > maxTop)
            {
                error = maxTop == 999
                    ? ctx.Error(400, "Request_BadRequest", $"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.")
                    : ctx.Error(400, "ErrorInvalidUrlQuery", $"The value of $top must be between 1 and {maxTop}.");
                return q;
            }
            q.Top = n;
        }
        if (query.TryGetValue("$skip", out var skip))
        {
            if (!int.TryParse(skip, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 0)
            {
                error = ctx.Error(400, "BadRequest", $"Invalid value '{skip}' for $skip query option found.");
                return q;
            }
            q.Skip = n;
        }
        if (query.TryGetValue("$skiptoken", out var token))
        {
            if (!SkipToken.TryDecode(token, out var n))
            {
                error = ctx.Error(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.");
                return q;
            }
            q.Skip = n;
        }
        if (query.TryGetValue("$select", out var select) && select.Length > 0)
        {
            q.Select = [.. select.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        if (query.TryGetValue("$orderby", out var orderBy) && orderBy.Length > 0) q.OrderBy = orderBy.Trim();
        if (query.TryGetValue("$count", out var count)) q.Count = string.Equals(count, "true", StringComparison.OrdinalIgnoreCase);
        if (query.TryGetValue("$filter", out var filter) && filter.Length > 0)
        {
            try
            {
                q.Filter = ODataFilterParser.Parse(filter);
            }
            catch (FilterSyntaxException e)
            {
                error = ctx.Error(400, e.Code, e.Message);
            }
        }
        return q;
    }

    /// <summary>The nextLink for the page after this one: same URL with $skip (Outlook) or $skiptoken (directory).</summary>
    public static string NextLink(RouteContext ctx, int nextOffset, bool useSkipToken)
    {
        var r = ctx.Request;
        var path = r.RelativeUrl.Split('?')[0];
        var parts = r.Query.Where(kv => kv.Key is not ("$skip" or "$skiptoken"))
            .Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)).ToList();
        parts.Add(useSkipToken
            ? "%24skiptoken=" + Uri.EscapeDataString(SkipToken.Encode(nextOffset))
            : "%24skip=" + nextOffset.ToString(CultureInfo.InvariantCulture));
        return r.ServiceRoot + path + "?" + string.Join('&', parts);
    }
}
