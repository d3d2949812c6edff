using System.Text.Json;
using System.Text.Json.Nodes;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Experiments;
using Unlearning.Tests.Core.Evaluation.Depth;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>depth.json and the export's optional <c>depth</c> key (docs/results-format.md, "Depth of forgetting"): round trip, snake_case keys, and refusal of bad values before anything is stored.</summary>
[Collection("Torch")]
public class DepthTransferTests
{
    [Fact]
    public void Depth_document_round_trips_with_snake_case_keys()
    {
        var artifacts = new ArtifactStore(TestData.TempFolder());
        DepthDocument.Save(artifacts, "abcd", DepthTests.Good());
        var text = File.ReadAllText(artifacts.DepthPath("abcd"));
        Assert.Contains("\"steps_to_half_reference\":5", text);
        Assert.Contains("\"reference_ua\":1", text);
        var back = DepthDocument.Load(artifacts, "abcd")!;
        Assert.Equal([0.0, 0.25, 0.75], back.Relearning.UA);
        Assert.Equal(["stem", "fc"], back.Probes.Layers);
        Assert.Equal(5, back.Relearning.StepsToHalfReference);
        Assert.Null(DepthDocument.Load(artifacts, "none"));
    }

    [Theory]
    [InlineData("{\"relearning\":{\"steps\":[0,1],\"ua\":[0.1,\"NaN\"]}}", "could not be converted")]
    [InlineData("{\"relearning\":{\"subset_size\":16,\"learning_rate\":0.001,\"momentum\":0.9,\"batch_size\":16,\"steps\":[0,1],\"ua\":[0.1]},\"probes\":null,\"seconds\":1}", "2 steps but 1")]
    [InlineData("[1,2]", "Invalid depth results")]
    [InlineData("null", "null")]
    public void Bad_depth_json_is_refused_with_the_reason(string json, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => DepthDocument.Parse(json));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_bad_stored_file_reads_as_missing_through_TryLoad()
    {
        var artifacts = new ArtifactStore(TestData.TempFolder());
        Directory.CreateDirectory(artifacts.FolderOf("bad1"));
        File.WriteAllText(artifacts.DepthPath("bad1"), "{\"relearning\": 5");
        Assert.Null(DepthDocument.TryLoad(artifacts, "bad1"));
        Assert.Throws<InvalidDataException>(() => DepthDocument.Load(artifacts, "bad1"));
    }

    [Fact]
    public void Import_keeps_a_valid_depth_key_and_the_export_writes_it_back()
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            doc["depth"] = JsonNode.Parse(JsonSerializer.Serialize(DepthTests.Good(), DepthDocument.Json));
            var e = transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact");
            Assert.Equal([0.0, 0.25, 0.75], DepthDocument.Load(store.Artifacts, e.Id)!.Relearning.UA);
            var ms = new MemoryStream();
            transfer.Export(e.Id, ms, false);
            var exported = JsonNode.Parse(ms.ToArray())!.AsObject();
            Assert.Equal(5, exported["depth"]!["relearning"]!["steps_to_half_reference"]!.GetValue<int>());
            Assert.Equal(1, exported.Count(p => p.Key == "depth"));
        }
    }

    [Fact]
    public void Export_without_depth_results_has_no_depth_key()
    {
        var (_, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var e = transfer.Import(ImportFixtures.Body(ImportFixtures.Valid()), "fashion-mnist", "compact");
            var ms = new MemoryStream();
            transfer.Export(e.Id, ms, false);
            Assert.False(JsonNode.Parse(ms.ToArray())!.AsObject().ContainsKey("depth"));
        }
    }

    [Theory]
    [InlineData("ua", "[0.0, 1.5, 0.75]", "[0, 1]")]
    [InlineData("ua", "[0.0, 0.75]", "3 steps but 2")]
    public void Import_with_a_bad_depth_value_stores_nothing(string key, string value, string reason)
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            var depth = JsonNode.Parse(JsonSerializer.Serialize(DepthTests.Good(), DepthDocument.Json))!;
            depth["relearning"]![key] = JsonNode.Parse(value);
            doc["depth"] = depth;
            var before = store.List().Count;
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact"));
            Assert.Contains("depth", e.Message);
            Assert.Contains(reason, e.Message);
            Assert.Equal(before, store.List().Count);
            Assert.False(Directory.Exists(store.Artifacts.FolderOf("xsite1")));
        }
    }
}
