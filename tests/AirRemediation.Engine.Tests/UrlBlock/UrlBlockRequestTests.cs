using AirRemediation.Engine.Kinds.BlockUrl;
using AirRemediation.Engine.Kinds.UrlBlock;
using Xunit;

namespace AirRemediation.Engine.Tests.UrlBlock;

public sealed class UrlBlockRequestTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Valid_entries_are_kept_once_in_order_and_bad_ones_come_back_with_their_rule()
    {
        var n = new UrlBlockRequest { Urls = ["contoso.com", " Contoso.com ", "https://x.example", "t.co", "CONTOSO.COM", ""] }.Normalize(Now);
        Assert.Equal(["contoso.com", "t.co"], ((UrlBlockRequest)n.Request).Urls);
        Assert.Equal(2, n.Duplicates);
        Assert.Equal([UrlEntryRule.Scheme, UrlEntryRule.Empty], n.Rejected.Select(r => (UrlEntryRule?)r.Detail));
    }

    [Fact]
    public void Conflicting_or_past_expiry_is_refused_before_anything_is_checked()
    {
        Assert.Equal(AirErrorKind.InvalidInput, Assert.Throws<AirException>(() =>
            new UrlBlockRequest { Urls = ["contoso.com"], ExpiresOn = Now.AddDays(1), NoExpiration = true }.Normalize(Now)).Kind);
        Assert.Contains("in the past", Assert.Throws<AirException>(() =>
            new UrlBlockRequest { Urls = ["contoso.com"], ExpiresOn = Now.AddMinutes(-1) }.Normalize(Now)).Message, StringComparison.Ordinal);
        Assert.Throws<AirException>(() => new UrlBlockRequest().Normalize(Now));
    }

    [Fact]
    public void The_request_survives_the_journal()
    {
        var r = new UrlBlockRequest { Urls = ["a.example"], ExpiresOn = Now.AddDays(7), Note = "INC-1", UpdateExpiry = true };
        var kind = new BlockUrlKind();
        Assert.Equal(kind.ToJson(r), kind.ToJson(kind.Parse(kind.ToJson(r))));
    }
}
