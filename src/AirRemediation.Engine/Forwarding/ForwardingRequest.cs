using System.Text.Json;
using AirRemediation.Engine.SoftDelete;

namespace AirRemediation.Engine.Forwarding;

/// <summary>What Disable-AirMailForwarding asks for. Stored with the action as JSON.</summary>
public sealed record ForwardingRequest
{
    public IReadOnlyList<string> Mailboxes { get; init; } = [];
    /// <summary>Delete forwarding inbox rules instead of disabling them (undo re-creates them from the journal).</summary>
    public bool RemoveRule { get; init; }
    /// <summary>Also stop forwarding to addresses inside the organisation's accepted domains.</summary>
    public bool IncludeInternal { get; init; }

    private static readonly JsonSerializerOptions Json = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The key of a direct run of this (normalised) request: the same command gives the same key.</summary>
    public string RunKey() => "DisableForwardingRun:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        (this with { Mailboxes = [.. Mailboxes.Order(StringComparer.Ordinal)] }).ToJson())));

    public static ForwardingRequest FromJson(string json) =>
        JsonSerializer.Deserialize<ForwardingRequest>(json, Json) ?? throw new AirException(AirErrorKind.InvalidInput, "The stored forwarding request is empty.");

    /// <summary>Normalised mailboxes (duplicates collapsed) and the inputs that can never succeed, each with its error.</summary>
    public Normalized Normalize()
    {
        if (Mailboxes.Count == 0) throw new AirException(AirErrorKind.InvalidInput, "Nothing to do: give -Mailbox or pipe mailboxes.");
        var list = new List<string>();
        var rejected = new List<(string, AirException)>();
        foreach (var raw in Mailboxes)
        {
            try
            {
                var m = Addresses.NormalizeMailbox(raw);
                if (!list.Contains(m, StringComparer.Ordinal)) list.Add(m);
            }
            catch (AirException e)
            {
                rejected.Add((raw ?? "", e));
            }
        }
        return new Normalized(this with { Mailboxes = list }, rejected);
    }

    public sealed record Normalized(ForwardingRequest Request, IReadOnlyList<(string Input, AirException Error)> Rejected);
}
