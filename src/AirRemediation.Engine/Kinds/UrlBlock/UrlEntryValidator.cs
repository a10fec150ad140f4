using System.Net;
using System.Net.Sockets;

namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>
/// Checks a URL block entry against Microsoft's syntax rules before anything is sent, so every bad entry is rejected
/// with its own reason while the others go ahead. Source: defender-docs tenant-allow-block-list-urls-configure.md
/// ("URL syntax for the Tenant Allow/Block List", its scenarios and "Examples of invalid entries"):
/// at most 250 characters; no protocol, port, user name/password or quotes; IPv4/IPv6 allowed (no wildcard in the
/// address, a right wildcard path is fine: <c>1.2.3.4/*</c>); Punycode, not Unicode; a hostname needs a period with
/// at least one character left and two right; a left wildcard must be <c>*.</c> (blocks only), a right wildcard must
/// follow a slash and end the entry; <c>*.TLD/*</c> blocks a top-level domain; no middle or double wildcards, no bare
/// <c>*</c>; a tilde only as <c>~domain</c> or <c>~domain~</c>; no file name extensions (<c>test.pdf</c>).
/// </summary>
public static class UrlEntryValidator
{
    public const int MaxLength = 250;

    // File name extensions people paste (documents, scripts, executables, archives, images, web pages). Real TLDs
    // that are also extensions (.zip, .mov) are left out: "example.zip" is a valid domain.
    private static readonly HashSet<string> FileExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "xlsb", "ppt", "pptx", "pptm", "rtf", "txt", "csv", "odt", "one",
        "exe", "dll", "msi", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "hta", "scr", "cpl", "lnk", "jar", "apk", "iso", "img", "vhd",
        "rar", "7z", "gz", "tgz", "tar", "cab", "html", "htm", "shtml", "php", "asp", "aspx", "jsp", "svg", "png", "jpg", "jpeg", "gif", "bmp", "ico",
        "xml", "json", "eml", "msg", "ics",
    };

    /// <summary>Checks one entry; never throws.</summary>
    public static UrlEntryCheck Check(string? entry)
    {
        var e = entry ?? "";
        var (rule, reason) = Evaluate(e);
        return new UrlEntryCheck(e, rule, reason);
    }

    private static (UrlEntryRule, string?) Evaluate(string e)
    {
        if (e.Length == 0 || e.Trim().Length == 0) return (UrlEntryRule.Empty, "The entry is empty.");
        if (e.Length > MaxLength) return (UrlEntryRule.TooLong, $"The entry is {e.Length} characters long; URL entries can have at most {MaxLength}.");
        if (e.Any(char.IsWhiteSpace)) return (UrlEntryRule.Whitespace, "The entry contains a space or other white space; URLs can't contain it (encode it as %20).");
        if (e.Contains('"', StringComparison.Ordinal) || e.Contains('\'', StringComparison.Ordinal))
            return (UrlEntryRule.Quotes, "Quotes (' or \") are not allowed in URL entries.");
        var schemeEnd = e.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 || e.StartsWith("//", StringComparison.Ordinal))
        {
            var rest = schemeEnd > 0 ? e[(schemeEnd + 3)..] : e[2..];
            return (UrlEntryRule.Scheme, $"Leave out the protocol ('{(schemeEnd > 0 ? e[..(schemeEnd + 3)] : "//")}'): enter '{rest}'.");
        }
        if (e.Any(c => c > 127)) return (UrlEntryRule.Unicode, UnicodeReason(e));

        // Tilde: "~host" (domain and subdomains) or "~host~" (also paths); nowhere else.
        var body = e;
        if (body.Contains('~', StringComparison.Ordinal))
        {
            var both = body.Length > 2 && body[0] == '~' && body[^1] == '~';
            var left = body[0] == '~' && !both;
            var inner = both ? body[1..^1] : left ? body[1..] : body;
            if (inner.Contains('~', StringComparison.Ordinal) || (!both && !left))
                return (UrlEntryRule.Tilde, "A tilde (~) is only allowed at the start of a domain (~contoso.com) or at both ends (~contoso.com~).");
            if (inner.Contains('/', StringComparison.Ordinal) || inner.Contains('*', StringComparison.Ordinal))
                return (UrlEntryRule.Tilde, "A tilde entry names a domain only: no path and no wildcard (~contoso.com or ~contoso.com~).");
            body = inner;
        }

        var slash = body.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? body : body[..slash];
        var path = slash < 0 ? "" : body[slash..];

        if (host.Contains('@', StringComparison.Ordinal)) return (UrlEntryRule.Credentials, "User names and passwords (user:password@) are not allowed in URL entries.");
        if (body == "*" || host is "*" or "*.*") return (UrlEntryRule.WildcardOnly, "A wildcard alone matches everything; name a domain (*.contoso.com) or a path (contoso.com/*).");
        if (body.Contains("**", StringComparison.Ordinal) || path.Count(c => c == '*') > 1)
            return (UrlEntryRule.DoubleWildcard, "Only one left wildcard (*.) and one right wildcard (/*) are allowed; double wildcards are not.");

        // IP addresses: IPv4, IPv6 (optionally in brackets); a port is never allowed.
        if (TryIp(host, out var ipRule, out var ipReason, out var isIp))
        {
            if (ipRule != UrlEntryRule.None) return (ipRule, ipReason);
        }
        if (!isIp && LooksLikeIpWithWildcard(host)) return (UrlEntryRule.WildcardInIpAddress, "Wildcards are not allowed in IP addresses.");
        if (!isIp && host.Contains(':', StringComparison.Ordinal)) return (UrlEntryRule.Port, $"Ports are not allowed: enter '{host[..host.IndexOf(':', StringComparison.Ordinal)]}{path}'.");

        if (!isIp)
        {
            var bare = host;
            if (bare.Contains('*', StringComparison.Ordinal))
            {
                if (bare.EndsWith('*')) return (UrlEntryRule.RightWildcard, "A right wildcard must follow a forward slash (contoso.com/*), not the domain (contoso.com*).");
                if (!bare.StartsWith("*.", StringComparison.Ordinal))
                    return bare.StartsWith('*')
                        ? (UrlEntryRule.LeftWildcard, "A left wildcard must be followed by a period (*.contoso.com), not by text (*contoso.com).")
                        : (UrlEntryRule.MiddleWildcard, "Wildcards in the middle of a domain are not allowed (conto*so.com).");
                bare = bare[2..];
                if (bare.Contains('*', StringComparison.Ordinal)) return (UrlEntryRule.MiddleWildcard, "Wildcards in the middle of a domain are not allowed.");
                // *.TLD/* blocks a whole top-level domain (Microsoft's "Top-level domain blocking" scenario).
                var tldBlock = !bare.Contains('.', StringComparison.Ordinal) && path == "/*";
                if (!tldBlock && HostRule(bare) is { } r) return r;
                if (tldBlock && !IsLabel(bare)) return (UrlEntryRule.InvalidHostname, $"'{bare}' is not a valid top-level domain.");
            }
            else if (HostRule(bare) is { } r)
            {
                return r;
            }
        }

        if (path.Length > 0)
        {
            var star = path.IndexOf('*', StringComparison.Ordinal);
            if (star >= 0 && (star != path.Length - 1 || path[star - 1] != '/'))
                return star == path.Length - 1
                    ? (UrlEntryRule.RightWildcard, "A right wildcard must directly follow a forward slash (contoso.com/a/*), not text (contoso.com/ab*).")
                    : (UrlEntryRule.MiddleWildcard, "Wildcards in the middle of a path are not allowed (contoso.com/*/a).");
            var last = path.TrimEnd('*').TrimEnd('/');
            last = last[(last.LastIndexOf('/') + 1)..];
            var query = last.IndexOfAny(['?', '#']);
            if (query >= 0) last = last[..query];
            if (FileExtensionOf(last) is { } ext)
                return (UrlEntryRule.FileExtension, $"File name extensions are not allowed ('.{ext}'): block the folder (contoso.com/folder/*) or the domain instead.");
        }
        else if (!isIp && FileExtensionOf(host) is { } hostExt && !host.StartsWith("*.", StringComparison.Ordinal))
        {
            return (UrlEntryRule.FileExtension, $"'{host}' is a file name ('.{hostExt}'), not a domain; file name extensions are not allowed.");
        }
        return (UrlEntryRule.None, null);
    }

    private static (UrlEntryRule, string?)? HostRule(string host)
    {
        var dot = host.LastIndexOf('.');
        if (dot < 0 || dot < 1 || host.Length - dot - 1 < 2 || host.StartsWith('.'))
            return (UrlEntryRule.HostnamePeriod, $"'{host}' is not a domain: it needs a period with at least one character before it and two after it (t.co is the shortest).");
        foreach (var label in host.Split('.'))
        {
            if (!IsLabel(label)) return (UrlEntryRule.InvalidHostname, $"'{host}' is not a valid domain name (label '{label}').");
        }
        return null;
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63 && !label.StartsWith('-') && !label.EndsWith('-')
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');

    private static string? FileExtensionOf(string name)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1) return null;
        var ext = name[(dot + 1)..];
        return FileExtensions.Contains(ext) ? ext.ToLowerInvariant() : null;
    }

    private static bool TryIp(string host, out UrlEntryRule rule, out string? reason, out bool isIp)
    {
        rule = UrlEntryRule.None;
        reason = null;
        isIp = false;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            var inside = host[1..close];
            if (!IPAddress.TryParse(inside, out var a) || a.AddressFamily != AddressFamily.InterNetworkV6) return false;
            isIp = true;
            if (close < host.Length - 1)
            {
                rule = UrlEntryRule.Port;
                reason = $"Ports are not allowed: enter '{inside}'.";
            }
            return true;
        }
        var colons = host.Count(c => c == ':');
        if (colons >= 2)
        {
            if (host.Contains('*', StringComparison.Ordinal)) { rule = UrlEntryRule.WildcardInIpAddress; reason = "Wildcards are not allowed in IP addresses."; isIp = true; return true; }
            if (IPAddress.TryParse(host, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6) { isIp = true; return true; }
            return false;
        }
        var v4 = colons == 1 ? host[..host.IndexOf(':', StringComparison.Ordinal)] : host;
        if (IsDottedQuad(v4))
        {
            isIp = true;
            if (colons == 1) { rule = UrlEntryRule.Port; reason = $"Ports are not allowed: enter '{v4}'."; }
            return true;
        }
        return false;
    }

    private static bool IsDottedQuad(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)
            && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool LooksLikeIpWithWildcard(string host)
    {
        if (!host.Contains('*', StringComparison.Ordinal)) return false;
        var stripped = host.Replace("*.", "", StringComparison.Ordinal).Replace(".*", "", StringComparison.Ordinal).Replace("*", "", StringComparison.Ordinal);
        return stripped.Length > 0 && stripped.All(c => char.IsAsciiDigit(c) || c == '.') && stripped.Count(c => c == '.') >= 2;
    }

    private static string UnicodeReason(string e)
    {
        var slash = e.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? e : e[..slash];
        try
        {
            var ascii = new IdnMapping().GetAscii(host.TrimStart('~', '*', '.').TrimEnd('~'));
            if (host.Any(c => c > 127))
                return $"Unicode is not supported; use the Punycode form of the domain: '{ascii}'.";
        }
        catch (ArgumentException)
        {
        }
        return "Unicode is not supported in URL entries; use Punycode for the domain and percent-encoding for the path.";
    }
}
