using System.Text.Json.Serialization;
using AirRemediation.Engine.Actions;

namespace AirRemediation.Engine.Kinds.DisableForwarding;

/// <summary>What Disable-AirMailForwarding (or a proposal) asks for. Stored with the action as JSON.</summary>
public sealed record ForwardingRequest : ActionRequest
{
    public IReadOnlyList<string> Mailboxes { get; init; } = [];
    /// <summary>Delete forwarding inbox rules instead of disabling them (undo re-creates them from the journal).</summary>
    public bool RemoveRule { get; init; }
    /// <summary>Also stop forwarding to addresses inside the organisation's accepted domains.</summary>
    public bool IncludeInternal { get; init; }

    [JsonIgnore]
    public override ActionKind Kind => ActionKind.DisableForwarding;

    /// <summary>Normalised mailboxes (duplicates collapsed) and the inputs that can never succeed, each with its error.</summary>
    internal NormalizedRequest Normalize()
    {
        if (Mailboxes.Count == 0) throw new AirException(AirErrorKind.InvalidInput, "Nothing to do: give -Mailbox or pipe mailboxes.");
        var list = new List<string>();
        var rejected = new List<RejectedInput>();
        var duplicates = 0;
        foreach (var raw in Mailboxes)
        {
            try
            {
                var m = Addresses.NormalizeMailbox(raw);
                if (!list.Contains(m, StringComparer.Ordinal)) list.Add(m); else duplicates++;
            }
            catch (AirException e)
            {
                rejected.Add(new RejectedInput(raw ?? "", e));
            }
        }
        return new NormalizedRequest(this with { Mailboxes = list }, rejected, duplicates);
    }

    internal ForwardingRequest Canonical() => this with { Mailboxes = [.. Mailboxes.Order(StringComparer.Ordinal)] };

    internal string Describe() =>
        $"Turn off {(IncludeInternal ? "all" : "external")} forwarding of {string.Join(", ", Mailboxes.Take(3))}{(Mailboxes.Count > 3 ? $" and {Mailboxes.Count - 3} more" : "")}"
        + (RemoveRule ? ", deleting forwarding rules" : "");
}
