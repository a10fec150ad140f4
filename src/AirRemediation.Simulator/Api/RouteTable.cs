namespace AirRemediation.Simulator.Api;

/// <summary>Matches a method and decoded path segments against templates; literal segments compare case-insensitively as Graph does.</summary>
public sealed class RouteTable
{
    readonly List<Route> routes = [];

    public void Add(Route route) => routes.Add(route);

    public (Route? Route, Dictionary<string, string>? Params, bool MethodMismatch) Match(string method, string[] segments)
    {
        var methodMismatch = false;
        foreach (var r in routes)
        {
            if (r.Template.Length != segments.Length) continue;
            Dictionary<string, string>? p = null;
            var ok = true;
            for (var i = 0; i < segments.Length && ok; i++)
            {
                var t = r.Template[i];
                if (t.Length > 2 && t[0] == '{' && t[^1] == '}')
                {
                    if (segments[i].Length == 0) ok = false;
                    else (p ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase))[t[1..^1]] = segments[i];
                }
                else if (!string.Equals(t, segments[i], StringComparison.OrdinalIgnoreCase))
                {
                    ok = false;
                }
            }
            if (!ok) continue;
            if (!string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
            {
                methodMismatch = true;
                continue;
            }
            return (r, p ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), false);
        }
        return (null, null, methodMismatch);
    }
}
