using AirRemediation.Engine.Actions;
using Xunit;

namespace AirRemediation.Engine.Tests.Actions;

/// <summary>Issue 10, item 9: a malformed mailbox or internet message id is refused with an error that names it.</summary>
[Trait("Category", "Fault")]
public sealed class AddressesTests
{
    [Theory]
    [InlineData("not-a-mailbox", "no '@'")]
    [InlineData("pat@", "not a valid user principal name")]
    [InlineData("pat@contoso", "not a valid user principal name")]
    [InlineData("pat smith@contoso.com", "not a valid user principal name")]
    [InlineData("<pat@contoso.com>", "not a valid user principal name")]
    [InlineData("", "empty")]
    public void A_malformed_UPN_is_refused_with_a_message_naming_it(string upn, string expected)
    {
        var e = Assert.Throws<AirException>(() => Addresses.NormalizeMailbox(upn));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        if (upn.Length > 0) Assert.Contains(upn.Trim(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<a<b@evil.example>")]
    [InlineData("<a>b@evil.example>")]
    [InlineData("<a b@evil.example>")]
    [InlineData("<>")]
    public void An_internet_message_id_with_nested_brackets_or_spaces_is_refused(string id)
    {
        var e = Assert.Throws<AirException>(() => Addresses.NormalizeInternetMessageId(id));
        Assert.Equal(AirErrorKind.InvalidInput, e.Kind);
        Assert.Contains("malformed", e.Message, StringComparison.Ordinal);
    }
}
