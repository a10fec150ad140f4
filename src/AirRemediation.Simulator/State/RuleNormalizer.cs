namespace AirRemediation.Simulator.State;

/// <summary>Gives a scenario inbox rule an id and the properties Graph always returns.</summary>
public static class RuleNormalizer
{
    public static void Normalize(Mailbox mbx, JsonObject r)
    {
        var n = mbx.NextRuleNumber++;
        if (r["id"] is null)
        {
            var bytes = new byte[8];
            bytes[0] = 1;
            BitConverter.TryWriteBytes(bytes.AsSpan(4), unchecked(0x9F_66_5D_9Eu + (uint)(mbx.Index * 64 + n)));
            r["id"] = Convert.ToBase64String(bytes);
        }
        if (r["displayName"] is null) r["displayName"] = "Rule " + n;
        if (r["sequence"] is null) r["sequence"] = n;
        if (r["isEnabled"] is null) r["isEnabled"] = true;
        if (r["hasError"] is null) r["hasError"] = false;
        if (r["isReadOnly"] is null) r["isReadOnly"] = false;
        if (r["conditions"] is null) r["conditions"] = new JsonObject();
        if (r["actions"] is null) r["actions"] = new JsonObject();
    }
}
