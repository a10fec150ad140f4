using AirRemediation.Engine.Kinds.UrlBlock;
using Xunit;

namespace AirRemediation.Engine.Tests.UrlBlock;

/// <summary>Entries drawn from Microsoft's URL syntax rules and examples (defender-docs tenant-allow-block-list-urls-configure.md).</summary>
public sealed class UrlEntryValidatorTests
{
    public static TheoryData<string, UrlEntryRule> Entries => new()
    {
        // Valid: the documented scenarios.
        { "contoso.com", UrlEntryRule.None },
        { "t.co", UrlEntryRule.None },
        { "*.contoso.com", UrlEntryRule.None },
        { "contoso.com/*", UrlEntryRule.None },
        { "contoso.com/a/*", UrlEntryRule.None },
        { "*.contoso.com/*", UrlEntryRule.None },
        { "~contoso.com", UrlEntryRule.None },
        { "~contoso.com~", UrlEntryRule.None },
        { "1.2.3.4", UrlEntryRule.None },
        { "1.2.3.4/*", UrlEntryRule.None },
        { "2001:db8::1", UrlEntryRule.None },
        { "*.xyz/*", UrlEntryRule.None },
        { "xn--bcher-kva.example", UrlEntryRule.None },
        { "fabrikam-payments.example/pay", UrlEntryRule.None },
        { "test.com/contoso.com", UrlEntryRule.None },
        { "example.zip", UrlEntryRule.None },
        { Domain(63), UrlEntryRule.None },
        // Invalid: each with the rule it breaks.
        { "", UrlEntryRule.Empty },
        { Domain(64), UrlEntryRule.TooLong },
        { "https://contoso.com/login", UrlEntryRule.Scheme },
        { "contoso.com:443", UrlEntryRule.Port },
        { "abc.contoso.com:25", UrlEntryRule.Port },
        { "1.2.3.4:8080", UrlEntryRule.Port },
        { "[2001:db8::1]:443", UrlEntryRule.Port },
        { "user:pass@contoso.com", UrlEntryRule.Credentials },
        { "\"contoso.com\"", UrlEntryRule.Quotes },
        { "'contoso.com'", UrlEntryRule.Quotes },
        { "bücher.example", UrlEntryRule.Unicode },
        { "contoso", UrlEntryRule.HostnamePeriod },
        { "contoso.", UrlEntryRule.HostnamePeriod },
        { ".com", UrlEntryRule.HostnamePeriod },
        { "contoso.c", UrlEntryRule.HostnamePeriod },
        { "*.com", UrlEntryRule.HostnamePeriod },
        { "*contoso.com", UrlEntryRule.LeftWildcard },
        { "contoso.com*", UrlEntryRule.RightWildcard },
        { "contoso.com/ab*", UrlEntryRule.RightWildcard },
        { "*.com*", UrlEntryRule.RightWildcard },
        { "*.contoso.*", UrlEntryRule.RightWildcard },
        { "conto*so.com", UrlEntryRule.MiddleWildcard },
        { "contoso.com/*/a", UrlEntryRule.MiddleWildcard },
        { "contoso.com/**", UrlEntryRule.DoubleWildcard },
        { "contoso.com/*/*", UrlEntryRule.DoubleWildcard },
        { "*", UrlEntryRule.WildcardOnly },
        { "*.*", UrlEntryRule.WildcardOnly },
        { "*1.2.3.4", UrlEntryRule.WildcardInIpAddress },
        { "1.2.3.4*", UrlEntryRule.WildcardInIpAddress },
        { "conto~so.com", UrlEntryRule.Tilde },
        { "~contoso.com/a", UrlEntryRule.Tilde },
        { "test.pdf", UrlEntryRule.FileExtension },
        { "*.pdf", UrlEntryRule.HostnamePeriod },
        { "contoso.com/files/invoice.exe", UrlEntryRule.FileExtension },
        { "contoso .com", UrlEntryRule.Whitespace },
    };

    /// <summary>A valid-looking domain of 187 + first characters: 250 with 63, 251 with 64.</summary>
    private static string Domain(int first) => new string('a', first) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + ".com";

    [Fact]
    public void The_length_limit_is_250_characters()
    {
        Assert.Equal(250, Domain(63).Length);
        Assert.Equal(251, Domain(64).Length);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Each_entry_gets_the_documented_verdict(string entry, UrlEntryRule expected)
    {
        var check = UrlEntryValidator.Check(entry);
        Assert.Equal(expected, check.Rule);
        if (expected == UrlEntryRule.None) Assert.Null(check.Reason);
        else Assert.False(string.IsNullOrWhiteSpace(check.Reason));
    }

    [Fact]
    public void Every_invalid_rule_has_its_own_reason()
    {
        var reasons = Entries.Select(row => (string)row[0]).Select(UrlEntryValidator.Check).Where(c => !c.IsValid)
            .GroupBy(c => c.Rule).ToDictionary(g => g.Key, g => g.First().Reason);
        Assert.Equal(reasons.Count, reasons.Values.Distinct().Count());
    }

    [Fact]
    public void Unicode_entries_are_told_their_punycode_form() =>
        Assert.Contains("xn--bcher-kva.example", UrlEntryValidator.Check("bücher.example").Reason, StringComparison.Ordinal);

    [Fact]
    public void A_scheme_is_named_and_the_entry_without_it_suggested() =>
        Assert.Contains("'contoso.com/login'", UrlEntryValidator.Check("https://contoso.com/login").Reason, StringComparison.Ordinal);
}
