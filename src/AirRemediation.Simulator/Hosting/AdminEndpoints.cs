using AirRemediation.Simulator.Api;
using AirRemediation.Simulator.Observability;
using AirRemediation.Simulator.Scenario;
using AirRemediation.Simulator.State;

namespace AirRemediation.Simulator.Hosting;

/// <summary>/_simulator/*: stats, state dump, fault control, issued secrets. No auth: loopback only, for tests.</summary>
public sealed class AdminEndpoints(SimulatorContext sim)
{
    public ApiResponse Handle(string method, string[] s, Dictionary<string, string> query, byte[] body)
    {
        switch (method, s.Length == 1 ? s[0] : "")
        {
            case ("GET", "stats"):
                return ApiResponse.Json(200, sim.Stats.ToJson(sim.State));
            case ("POST", "reset-stats"):
                sim.Stats.Reset(sim.State);
                sim.MailboxLimiter.Reset();
                sim.AppLimiter.Reset();
                return ApiResponse.Empty(204);
            case ("GET", "state"):
                return ApiResponse.Json(200, StateDump.ToJson(sim.State, query.GetValueOrDefault("mailbox"), query.GetValueOrDefault("messages") != "false"));
            case ("GET", "secrets"):
                return ApiResponse.Json(200, sim.Secrets.ToJson());
            case ("GET", "faults"):
                return ApiResponse.Json(200, JsonSerializer.SerializeToNode(sim.Faults.Settings, ScenarioLoader.Json));
            case ("POST", "faults"):
                FaultSettings next;
                try
                {
                    next = JsonSerializer.Deserialize<FaultSettings>(body, ScenarioLoader.Json) ?? new FaultSettings();
                }
                catch (JsonException e)
                {
                    return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid fault settings: " + e.Message });
                }
                sim.Faults.Replace(next);
                return ApiResponse.Json(200, JsonSerializer.SerializeToNode(sim.Faults.Settings, ScenarioLoader.Json));
            case ("POST", "expire-tokens"):
                return ApiResponse.Json(200, new JsonObject { ["expired"] = sim.Tokens.ExpireIssuedTokens() });
            case ("POST", "device-code-user"):
            {
                // Which user approves the next device code sign-in: tests play several people signing in.
                var upn = (string?)(JsonNode.Parse(body) as JsonObject)?["user"];
                if (upn is null || sim.State.FindUser(upn) is null)
                    return ApiResponse.Json(400, new JsonObject { ["error"] = $"unknown user '{upn}'" });
                sim.State.DeviceCodeUser = upn;
                return ApiResponse.Json(200, new JsonObject { ["deviceCodeUser"] = upn });
            }
            case ("POST", "directory-user"):
            {
                // Directory changes made between a decision and its execution: {"user", "directoryRoles": [...]} replaces
                // the user's roles (names or template ids); {"user", "delete": true} deletes the user.
                var o = JsonNode.Parse(body) as JsonObject;
                var key = (string?)o?["user"];
                var user = key is null ? null : sim.State.FindUser(key);
                if (o is null || user is null) return ApiResponse.Json(400, new JsonObject { ["error"] = $"unknown user '{key}'" });
                if ((bool?)o["delete"] == true)
                {
                    sim.State.RemoveUser(user.Id);
                    return ApiResponse.Json(200, new JsonObject { ["deleted"] = user.UserPrincipalName });
                }
                if (o["directoryRoles"] is not JsonArray roles) return ApiResponse.Json(400, new JsonObject { ["error"] = "give directoryRoles (array) or delete: true" });
                List<string> ids;
                try
                {
                    ids = [.. roles.Select(r => DirectoryRoles.ToTemplateId((string?)r ?? ""))];
                }
                catch (InvalidDataException e)
                {
                    return ApiResponse.Json(400, new JsonObject { ["error"] = e.Message });
                }
                user.DirectoryRoleIds.Clear();
                foreach (var id in ids) user.DirectoryRoleIds.Add(id);
                return ApiResponse.Json(200, new JsonObject { ["user"] = user.UserPrincipalName, ["directoryRoleIds"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) });
            }
            case ("GET", "limits"):
                return ApiResponse.Json(200, JsonSerializer.SerializeToNode(sim.Limits, ScenarioLoader.Json));
            case ("POST", "limits"):
                try
                {
                    sim.Limits = JsonSerializer.Deserialize<LimitSettings>(body, ScenarioLoader.Json) ?? new LimitSettings();
                }
                catch (JsonException e)
                {
                    return ApiResponse.Json(400, new JsonObject { ["error"] = "invalid limit settings: " + e.Message });
                }
                return ApiResponse.Json(200, JsonSerializer.SerializeToNode(sim.Limits, ScenarioLoader.Json));
            default:
                return ApiResponse.Json(404, new JsonObject
                {
                    ["error"] = "unknown simulator endpoint",
                    ["endpoints"] = new JsonArray("GET stats", "POST reset-stats", "GET state[?mailbox=upn&messages=false]", "GET secrets", "GET|POST faults", "GET|POST limits", "POST device-code-user", "POST directory-user"),
                    ["at"] = sim.Clock.GetUtcNow().ToString("o", CultureInfo.InvariantCulture),
                });
        }
    }
}
