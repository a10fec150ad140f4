namespace AirRemediation.Engine.Kinds.UrlBlock;

/// <summary>The verdict on one URL entry: valid, or the rule it breaks and why, in words an admin can act on.</summary>
public sealed record UrlEntryCheck(string Entry, UrlEntryRule Rule, string? Reason)
{
    public bool IsValid => Rule == UrlEntryRule.None;
}
