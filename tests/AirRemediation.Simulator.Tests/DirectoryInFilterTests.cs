using Xunit;

namespace AirRemediation.Simulator.Tests;

/// <summary>
/// Graph serves <c>in</c> on directory objects, limited by default to 15 expressions in the filter (filter-query-parameter
/// page, "in" operator note); Outlook's message filter is not documented to take it, so the simulator refuses it there.
/// </summary>
public sealed class DirectoryInFilterTests
{
    private static string In(IEnumerable<string> values) => "mail in (" + string.Join(", ", values.Select(v => "'" + v + "'")) + ")";

    [Fact]
    public async Task Users_by_mail_in_a_list_returns_each_match_and_counts_one_query()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get,
            s.Graph + "/users?$select=id,mail&$filter=" + Uri.EscapeDataString(In(["adele@contoso.com", "LYNNE@contoso.com", "nobody@contoso.com"])));
        Assert.Equal(200, status);
        var mails = body!["value"]!.AsArray().Select(u => (string?)u!["mail"]).Order().ToList();
        Assert.Equal(["adele@contoso.com", "lynne@contoso.com"], mails);
        Assert.Equal(1, Interlocked.Read(ref s.Stats.UserQueries));
    }

    [Fact]
    public async Task More_than_15_expressions_with_in_are_refused_and_in_on_messages_is_an_invalid_node()
    {
        await using var s = await TestTenant.StartAsync();
        using var c = TestTenant.Client(s, await TestTenant.AppTokenAsync(s));
        var sixteen = Enumerable.Range(0, 16).Select(i => $"user{i}@contoso.com");
        var (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users?$filter=" + Uri.EscapeDataString(In(sixteen)));
        Assert.Equal(400, status);
        Assert.Equal("Request_UnsupportedQuery", (string?)body!["error"]!["code"]);
        Assert.Contains("16 expressions", (string?)body["error"]!["message"], StringComparison.Ordinal);

        // 14 values and one comparison are 15 expressions: accepted.
        var fifteen = "(" + In(sixteen.Take(14)) + ") and accountEnabled eq true";
        (status, _, _) = await TestTenant.SendAsync(c, HttpMethod.Get, s.Graph + "/users?$filter=" + Uri.EscapeDataString(fifteen));
        Assert.Equal(200, status);

        (status, body, _) = await TestTenant.SendAsync(c, HttpMethod.Get,
            s.Graph + "/users/adele@contoso.com/messages?$filter=" + Uri.EscapeDataString("internetMessageId in ('<a@b.example>')"));
        Assert.Equal(400, status);
        Assert.Equal("ErrorInvalidUrlQueryFilter", (string?)body!["error"]!["code"]);
    }
}
