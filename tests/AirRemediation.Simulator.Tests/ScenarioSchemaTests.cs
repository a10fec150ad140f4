using System.Text.Json;
using Json.Schema;

namespace AirRemediation.Simulator.Tests;

public sealed class ScenarioSchemaTests
{
    // Built once: the library keeps a process-wide registry keyed by $id.
    static readonly Lazy<JsonSchema> Cached = new(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "simulator-scenario.schema.json"))));

    static JsonSchema Schema() => Cached.Value;

    [Fact]
    public void The_sample_scenario_satisfies_the_published_schema()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestTenant.ScenarioPath));
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
