using AirRemediation.Engine.Actions;
using AirRemediation.Engine.Store;
using Xunit;

namespace AirRemediation.Engine.Tests.Store;

public class AuditChainTests
{
    private static AuditRecord Entry(long seq, string prev, string? reason = "phish") => AuditChain.Seal(new AuditRecord
    {
        Seq = seq,
        ActionId = "A-7K3M9QX2PD",
        At = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567),
        Actor = "bob@contoso.com",
        ActorKind = ActorKind.User,
        SignIn = "DeviceCode tenant=contoso client=14d82eec",
        Event = "Approved",
        FromState = ActionState.Pending,
        ToState = ActionState.Approved,
        Reason = reason,
        PrevHash = prev,
        Hash = "",
    });

    [Fact]
    public void TheCanonicalFormIsFixed()
    {
        var e = Entry(1, AuditChain.Genesis);
        Assert.Equal(
            "v:11:air-audit-1\nseq:1:1\nactionId:12:A-7K3M9QX2PD\nat:28:2026-11-27T10:00:00.1234567Z\nactor:15:bob@contoso.com\nactorKind:4:User\n" +
            "signIn:41:DeviceCode tenant=contoso client=14d82eec\nevent:8:Approved\nfrom:7:Pending\nto:8:Approved\nreason:5:phish\n" +
            $"prev:64:{AuditChain.Genesis}\n",
            AuditChain.Canonical(e));
        Assert.Matches("^[0-9a-f]{64}$", e.Hash);
        // Null and empty differ; so do fields that would collide if simply concatenated.
        Assert.NotEqual(Entry(1, AuditChain.Genesis, null).Hash, Entry(1, AuditChain.Genesis, "").Hash);
        Assert.NotEqual(e.Hash, AuditChain.Seal(e with { Actor = "bob@contoso.co", SignIn = "m" + e.SignIn }).Hash);
    }

    [Fact]
    public void TimesRoundTripExactly()
    {
        var t = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(7);
        Assert.Equal(t, AuditChain.ParseTime(AuditChain.FormatTime(t)));
        Assert.Equal("2026-01-02T01:04:05.0000007Z", AuditChain.FormatTime(t));
    }

    [Fact]
    public void TheVerifierNamesTheFirstProblem()
    {
        var a = Entry(1, AuditChain.Genesis);
        var b = Entry(2, a.Hash);
        var c = Entry(3, b.Hash);

        var v = new AuditChainVerifier();
        Assert.True(v.Add(a) && v.Add(b) && v.Add(c));
        Assert.True(v.Result().IsValid);
        Assert.Equal(3, v.Result().Count);
        Assert.Equal(c.Hash, v.Result().HeadHash);

        v = new AuditChainVerifier();
        Assert.True(v.Add(a));
        Assert.False(v.Add(b with { Reason = "benign" }));
        Assert.False(v.Add(c));
        Assert.Equal(AuditProblem.HashMismatch, v.Result().Problem);
        Assert.Equal(2, v.Result().BrokenSeq);

        v = new AuditChainVerifier();
        Assert.True(v.Add(a));
        Assert.False(v.Add(c));
        Assert.Equal(AuditProblem.MissingSequence, v.Result().Problem);
        Assert.Equal(2, v.Result().BrokenSeq);

        v = new AuditChainVerifier();
        Assert.False(v.Add(b));
        Assert.Equal(AuditProblem.MissingSequence, v.Result().Problem);
        Assert.Equal(1, v.Result().BrokenSeq);

        v = new AuditChainVerifier();
        Assert.True(v.Add(a));
        Assert.False(v.Add(Entry(2, AuditChain.Genesis)));
        Assert.Equal(AuditProblem.BrokenLink, v.Result().Problem);
    }
}
