using System.Net;
using System.Text.RegularExpressions;

namespace AirRemediation.Simulator.Exchange;

/// <summary>
/// Microsoft's URL entry syntax for the Tenant Allow/Block List (defender-docs tenant-allow-block-list-urls-configure,
/// "URL syntax"): no protocol, port, credentials, quotes, file extensions or Unicode; hostname needs a period with at
/// least one character left and two right; left wildcard only as "*." (blocks only); right wildcard only after "/";
/// no wildcards in IPs, in the middle, or doubled; tilde only as "~host" or "~host~"; at most 250 characters.
/// </summary>
public static partial class TablUrlValidator
{
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*://")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"/[^/]*\.[A-Za-z0-9]{1,5}$")]
    private static partial Regex FileExtension();

    /// <summary>Null when valid; otherwise why not.</summary>
    public static string? Validate(string entry, bool block)
    {
        if (string.IsNullOrWhiteSpace(entry)) return "The entry is empty.";
        if (entry.Length > 250) return "URL entries can't be longer than 250 characters.";
        if (entry.Any(c => c > 127)) return "Unicode characters aren't supported; use Punycode.";
        if (entry.Any(char.IsWhiteSpace)) return "Spaces aren't allowed.";
        if (entry.Contains('"', StringComparison.Ordinal) || entry.Contains('\'', StringComparison.Ordinal)) return "Quotation marks aren't allowed.";
        if (Scheme().IsMatch(entry) || entry.StartsWith("//", StringComparison.Ordinal)) return "The protocol (for example, http:// or https://) isn't allowed.";

        var value = entry;
        var tildeBoth = false;
        if (value.StartsWith('~'))
        {
            value = value[1..];
            if (value.EndsWith('~'))
            {
                value = value[..^1];
                tildeBoth = true;
            }
        }
        if (value.Contains('~', StringComparison.Ordinal)) return "A tilde is only allowed as ~domain or ~domain~.";
        if (tildeBoth && value.Contains('/', StringComparison.Ordinal)) return "~domain~ can't include a path.";

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? value : value[..slash];
        var path = slash < 0 ? "" : value[slash..];

        if (host.Contains('@', StringComparison.Ordinal)) return "User names and passwords aren't allowed.";
        if (value.Contains("**", StringComparison.Ordinal)) return "Double wildcards aren't allowed.";

        var isIp = IPAddress.TryParse(host.Trim('[', ']'), out _) && !host.Contains('*', StringComparison.Ordinal);
        if (!isIp && host.Contains(':', StringComparison.Ordinal)) return "Ports aren't allowed.";
        if (isIp && host.StartsWith('[') && host.Contains("]:", StringComparison.Ordinal)) return "Ports aren't allowed.";

        if (host.Contains('*', StringComparison.Ordinal))
        {
            if (isIp || IPAddress.TryParse(host.Replace("*.", "", StringComparison.Ordinal), out _)) return "Wildcards aren't allowed in IP addresses.";
            if (!host.StartsWith("*.", StringComparison.Ordinal) || host.IndexOf('*', 1) >= 0) return "A left wildcard must be followed by a period (*.contoso.com); no other wildcards are allowed in the domain.";
            if (!block) return "Left wildcards are only allowed in block entries.";
        }
        var bareHost = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        // "*.TLD/*" blocks a whole top-level domain (Microsoft's "Top-level domain blocking" scenario).
        var tldBlock = block && host.StartsWith("*.", StringComparison.Ordinal) && path == "/*" && bareHost.Length >= 2 && bareHost.All(char.IsAsciiLetter);
        if (!isIp && !tldBlock)
        {
            var dot = bareHost.LastIndexOf('.');
            if (dot < 1 || bareHost.Length - dot - 1 < 2) return "The domain needs a period with at least one character to the left and two to the right.";
            if (bareHost.Split('.').Any(l => l.Length == 0 || l.StartsWith('-') || l.EndsWith('-') || !l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            {
                return "The domain name isn't valid.";
            }
        }
        var star = path.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0)
        {
            // An IP address with a right wildcard path (1.2.3.4/*) is a documented scenario; wildcards in the address are not.
            if (star != path.Length - 1 || path[star - 1] != '/') return "A right wildcard must follow a forward slash (contoso.com/*); wildcards in the middle aren't allowed.";
        }
        if (path.Length > 0 && FileExtension().IsMatch(path.TrimEnd('*'))) return "File extensions aren't allowed.";
        return null;
    }
}
