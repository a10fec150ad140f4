using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Observability;

/// <summary>GET /_simulator/state: the tenant as it is now, for tests to assert on side effects.</summary>
public static class StateDump
{
    public static JsonObject ToJson(TenantState state, string? onlyMailbox, bool withMessages)
    {
        var mailboxes = new JsonArray();
        foreach (var m in state.Mailboxes)
        {
            if (onlyMailbox is not null && !string.Equals(onlyMailbox, m.Owner.UserPrincipalName, StringComparison.OrdinalIgnoreCase)) continue;
            mailboxes.Add(Mailbox(m, withMessages));
        }
        JsonArray alerts;
        lock (state.AlertsGate) alerts = new JsonArray([.. state.Alerts.Select(a => a.DeepClone())]);
        var tabl = new JsonArray();
        lock (state.TablGate)
        {
            foreach (var e in state.TablEntries)
            {
                tabl.Add(new JsonObject
                {
                    ["identity"] = e.Identity,
                    ["listType"] = e.ListType,
                    ["value"] = e.Value,
                    ["action"] = e.Action,
                    ["expirationDate"] = e.ExpirationDate?.ToString("o", CultureInfo.InvariantCulture),
                    ["notes"] = e.Notes,
                    ["createdBy"] = e.CreatedBy,
                });
            }
        }
        return new JsonObject
        {
            ["tenant"] = new JsonObject { ["id"] = state.TenantId, ["name"] = state.TenantName, ["license"] = state.License },
            ["users"] = new JsonArray([.. state.Users.Take(1000).Select(u => (JsonNode)new JsonObject
            {
                ["id"] = u.Id,
                ["userPrincipalName"] = u.UserPrincipalName,
                ["hasMailbox"] = u.Mailbox is not null,
            })]),
            ["userCount"] = state.Users.Count,
            ["mailboxes"] = mailboxes,
            ["tablEntries"] = tabl,
            ["alerts"] = alerts,
            ["remediations"] = new JsonArray([.. state.Remediations.Select(r => (JsonNode)new JsonObject { ["bulkId"] = r.Key, ["request"] = r.Value.DeepClone() })]),
        };
    }

    static JsonObject Mailbox(Mailbox m, bool withMessages)
    {
        lock (m.Gate)
        {
            var o = new JsonObject
            {
                ["user"] = m.Owner.UserPrincipalName,
                ["restEnabled"] = m.RestEnabled,
                ["forwardingSmtpAddress"] = m.ForwardingSmtpAddress,
                ["forwardingAddress"] = m.ForwardingAddress,
                ["deliverToMailboxAndForward"] = m.DeliverToMailboxAndForward,
                ["rules"] = new JsonArray([.. m.Rules.Select(r => r.DeepClone())]),
                ["messageCount"] = m.Messages.Count,
            };
            if (withMessages)
            {
                o["messages"] = new JsonArray([.. m.Messages.Select(msg => (JsonNode)new JsonObject
                {
                    ["id"] = ItemIds.RestId(m.Index, msg.Seq, msg.Version),
                    ["immutableId"] = ItemIds.ImmutableId(m.Index, msg.Seq),
                    ["internetMessageId"] = msg.InternetMessageId,
                    ["networkMessageId"] = msg.NetworkMessageId,
                    ["subject"] = msg.Subject,
                    ["from"] = msg.FromAddress,
                    ["receivedDateTime"] = msg.Received.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    ["folder"] = m.FolderWellKnownName(msg.FolderIndex) ?? m.FolderDisplayName(msg.FolderIndex),
                    ["timesMoved"] = msg.TimesMoved,
                    ["purged"] = msg.Purged,
                })]);
            }
            return o;
        }
    }
}
