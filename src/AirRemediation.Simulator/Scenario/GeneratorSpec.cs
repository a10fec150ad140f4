namespace AirRemediation.Simulator.Scenario;

/// <summary>Seeded scale tenant: Mailboxes × MessagesPerMailbox, plus ClusterSize copies of one phishing mail spread over the mailboxes.</summary>
public sealed class GeneratorSpec
{
    public int Mailboxes { get; set; }
    public int MessagesPerMailbox { get; set; }
    public int ClusterSize { get; set; }

    public static GeneratorSpec Parse(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 3) throw new FormatException("--generate expects M,N,K (mailboxes, messages per mailbox, cluster size).");
        return new GeneratorSpec
        {
            Mailboxes = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            MessagesPerMailbox = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            ClusterSize = int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
