using System.Text.Json;
using Json.Schema;

namespace AirRemediation.Simulator.Tests;

public sealed class ScenarioSchemaTests
{
    // Built once: the library keeps a process-wide registry keyed by $id.
    static readonly Lazy<JsonSchema> Cached = new(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "simulator-scenario.schema.json"))));

    static JsonSchema Schema() => Cached.Value;

    [Theory]
    [InlineData("default.json")]
    [InlineData("minimal.json")]
    public async Task Sample_scenarios_satisfy_the_published_schema_and_start(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Scenarios", file);
        await using (var server = await SimulatorServer.StartAsync(new SimulatorOptions { ScenarioPath = path }))
        {
            Assert.NotEmpty(server.State.Mailboxes);
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var result = Schema().Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("\n", result.Details?.Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")) ?? []));
    }

    [Fact]
    public void The_schema_rejects_unknown_properties_and_bad_licences()
    {
        using var doc = JsonDocument.Parse("{\"tenant\":{\"license\":\"E5\"},\"mailbox\":[]}");
        Assert.False(Schema().Evaluate(doc.RootElement).IsValid);
    }
}
