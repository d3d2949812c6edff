using System.Text.Json;
using System.Text.Json.Nodes;
using Unlearning.Core.Experiments;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>
/// <c>epoch_metrics</c> on import (docs/results-format.md, "Import"): a well-formed record is stored and written back; a bad one —
/// wrong lengths, a value that is not a number in [0, 1], an unknown or missing series — is refused with a message naming the
/// key, and nothing is stored.
/// </summary>
[Collection("Torch")]
public class EpochMetricsImportTests
{
    private static readonly string[] Keys = ["UA", "RA", "TUA", "TRA", "PS", "C-MIA", "E-MIA"];

    /// <summary>The fixture's file has Epoch = 2, so each series has 3 entries.</summary>
    private static JsonObject Metrics(int length = 3) =>
        [.. Keys.Select((k, i) => KeyValuePair.Create<string, JsonNode?>(k, new JsonArray([.. Enumerable.Range(0, length).Select(e => (JsonNode)(0.125 * ((i + e) % 8)))])))];

    [Fact]
    public void A_well_formed_record_is_stored_and_written_back_as_it_came()
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            var metrics = Metrics();
            metrics["TUA"] = new JsonArray(null, "N/A", 0.5);
            doc["epoch_metrics"] = metrics;
            var row = transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact");
            var stored = ResultsDocument.Load(store.Artifacts, row)!.EpochMetrics!;
            Assert.Equal(3, stored.Count);
            Assert.Equal(new double?[] { 0.125, 0.25, 0.375 }, stored.RA);
            Assert.Equal(new double?[] { null, null, 0.5 }, stored.TUA);
            Assert.Equal(new double?[] { 0.75, 0.875, 0.0 }, stored.EMia);

            var ms = new MemoryStream();
            transfer.Export(row.Id, ms, withFeatures: false);
            var exported = JsonNode.Parse(ms.ToArray())!.AsObject();
            metrics["TUA"] = new JsonArray(null, null, 0.5);   // N/A is written as null
            Assert.True(JsonNode.DeepEquals(metrics, exported["epoch_metrics"]), exported["epoch_metrics"]!.ToJsonString());
            var keys = exported.Select(p => p.Key).ToList();
            Assert.Equal(keys.IndexOf("Architecture") + 1, keys.IndexOf("epoch_metrics"));   // the file's place
        }
    }

    public static TheoryData<string, Action<JsonObject>, string> Bad => new()
    {
        { "lengths not Epoch + 1", m => { foreach (var k in Keys) m[k] = new JsonArray(0.1, 0.2); }, "epoch_metrics.UA has 2 entries; with Epoch = 2 it must have 3" },
        { "unequal lengths", m => m["PS"] = new JsonArray(0.1, 0.2, 0.3, 0.4), "epoch_metrics.PS has 4 entries but epoch_metrics.UA has 3" },
        { "a NaN written as text", m => m["RA"] = new JsonArray(0.1, "NaN", 0.3), "epoch_metrics.RA[1] = \"NaN\" must be a number in [0, 1]" },
        { "a value above 1", m => m["C-MIA"] = new JsonArray(0.1, 1.5, 0.3), "epoch_metrics.C-MIA[1] = 1.5 must be a number in [0, 1]" },
        { "a nested value", m => m["UA"] = new JsonArray(0.1, new JsonArray(1), 0.3), "epoch_metrics.UA[1] = [1] must be a number" },
        { "a missing series", m => m.Remove("E-MIA"), "epoch_metrics.E-MIA is missing" },
        { "an unknown series", m => m["FQS"] = new JsonArray(0.1, 0.2, 0.3), "epoch_metrics has the key 'FQS'" },
        { "an empty series", m => { foreach (var k in Keys) m[k] = new JsonArray(); }, "must hold 1–1001 entries" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void A_bad_record_is_refused_with_a_clear_message_and_nothing_is_stored(string name, Action<JsonObject> spoil, string message)
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            var metrics = Metrics();
            spoil(metrics);
            doc["epoch_metrics"] = metrics;
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact"));
            Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{name}: {e.Message}");
            Assert.Empty(store.List());
        }
    }

    [Fact]
    public void A_record_that_is_not_an_object_is_refused()
    {
        var (store, transfer, sp) = ImportFixtures.NewStore();
        using (sp)
        {
            var doc = ImportFixtures.Valid();
            doc["epoch_metrics"] = new JsonArray(1, 2, 3);
            var e = Assert.Throws<InvalidDataException>(() => transfer.Import(ImportFixtures.Body(doc), "fashion-mnist", "compact"));
            Assert.Contains("epoch_metrics must be an object", e.Message);
            Assert.Empty(store.List());
        }
    }
}
