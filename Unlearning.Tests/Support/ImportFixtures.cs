using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Support;

/// <summary>A small, valid result file in the original format (Fashion-MNIST / compact), as a mutable JSON tree.</summary>
internal static class ImportFixtures
{
    /// <summary>A fresh store and its transfer service (dispose the services when done).</summary>
    public static (ExperimentStore Store, ExperimentTransfer Transfer, IDisposable Services) NewStore()
    {
        var (sp, store, _) = TestStore.New();
        return (store, Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ExperimentTransfer>(sp), sp);
    }

    /// <summary>A JSON tree as an import body.</summary>
    public static Stream Body(JsonNode doc) => new MemoryStream(Encoding.UTF8.GetBytes(doc.ToJsonString()));

    public static JsonObject Valid(int points = 20, string id = "xsite1")
    {
        JsonArray Vec(double v) => [.. Enumerable.Repeat(v, 10).Select(x => (JsonNode)x)];
        JsonObject Dist() => [.. Enumerable.Range(0, 10).Select(i => KeyValuePair.Create<string, JsonNode?>($"gt_{i}", Vec(0.1)))];
        return new JsonObject
        {
            ["CreatedAt"] = "2026-01-02 03:04:05", ["ID"] = id, ["FC"] = 3, ["Type"] = "Unlearned", ["Base"] = "N/A",
            ["Method"] = "FineTuning", ["Epoch"] = 2, ["BS"] = 64, ["LR"] = 0.01,
            ["UA"] = 0.1, ["RA"] = 0.9, ["TUA"] = 0.1, ["TRA"] = 0.88, ["RTE"] = 12.5, ["FQS"] = 0.7,
            ["accs"] = Vec(0.9), ["label_dist"] = Dist(), ["conf_dist"] = Dist(),
            ["t_accs"] = Vec(0.88), ["t_label_dist"] = Dist(), ["t_conf_dist"] = Dist(),
            ["points"] = new JsonArray([.. Enumerable.Range(0, points).Select(i => (JsonNode)new JsonArray(i % 10, i % 10, i * 7, i % 10 == 3 ? 1 : 0, 0.5 * i, -0.25 * i, new JsonObject { [(i % 10).ToString()] = 0.95 }))]),
            ["attack"] = new JsonObject
            {
                ["values"] = new JsonArray([.. Enumerable.Range(0, 5).Select(i => (JsonNode)new JsonObject { ["img"] = i * 3, ["entropy"] = 0.2, ["confidence"] = 2.5 })]),
                ["results"] = new JsonObject(),
            },
            ["Dataset"] = "fashion-mnist", ["Architecture"] = "compact",
        };
    }
}
