using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments;
using Xunit.Abstractions;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>
/// Files of the original format come back out as they went in (docs/results-format.md, "Import" and "Export"), and
/// a fresh export is self-consistent: its attack curves follow from its attack values.
/// </summary>
[Collection("Torch")]
public class OriginalFormatRoundTripTests(ITestOutputHelper output)
{
    private const string Dataset = "cifar10", Architecture = "resnet18";

    /// <summary>Keys the export adds after the original's (ours).</summary>
    private static readonly string[] OurKeys = ["Dataset", "Architecture", "PS", "MIA", "MIA_R", "ForgetSet", "Gap"];

    private static Stream Body(JsonNode doc) => ImportFixtures.Body(doc);

    /// <summary>A store whose baselines of forget class 6 exist (rows only), so that Original and Retrained files can be imported.</summary>
    private static (ExperimentStore Store, ExperimentTransfer Transfer, IDisposable Services) New()
    {
        var (sp, store, _) = TestStore.New();
        foreach (var (id, type) in new[] { (ExperimentIds.Original(Dataset, Architecture, 6), ExperimentType.Original), (ExperimentIds.Retrained(Dataset, Architecture, 6), ExperimentType.Retrained) })
            store.Add(new Experiment { Id = id, Dataset = Dataset, Architecture = Architecture, ForgetClass = 6, Type = type, Status = ExperimentStatus.Ready, CreatedUtc = DateTime.UnixEpoch });
        return (store, sp.GetRequiredService<ExperimentTransfer>(), sp);
    }

    private static JsonElement ImportThenExport(ExperimentTransfer transfer, JsonNode file, out Experiment row)
    {
        row = transfer.Import(Body(file), null, null);
        var ms = new MemoryStream();
        transfer.Export(row.Id, ms, withFeatures: false);
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    public static TheoryData<string, string, bool> Files => new()
    {
        { "Original", "N/A", false },
        { "Retrained", "N/A", false },
        { "Unlearned", "FineTuning", true },
        { "Unlearned", "Custom", false },
        { "Pretrained", "Custom", false },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void An_original_format_file_keeps_every_key_in_order_and_every_value(string type, string method, bool epochMetrics)
    {
        var (_, transfer, sp) = New();
        using (sp)
        {
            var file = OriginalFormatFiles.Generate(type, method: method, epochMetrics: epochMetrics);
            var exported = ImportThenExport(transfer, file, out var row);

            var fileKeys = file.Select(p => p.Key).ToList();
            var exportKeys = exported.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(fileKeys, exportKeys.Where(fileKeys.Contains));
            Assert.All(exportKeys.Except(fileKeys), k => Assert.Contains(k, OurKeys));
            if (type is "Original" or "Retrained") Assert.Equal("TRA PA RTE", string.Join(' ', exportKeys.SkipWhile(k => k != "TRA").Take(3)));

            var file2 = JsonDocument.Parse(file.ToJsonString()).RootElement;
            foreach (var p in file2.EnumerateObject())
            {
                // The ID is the row's own (a baseline's ID is taken by the baseline; the rest keep theirs when free).
                if (p.Name == "ID") { Assert.Equal(ExperimentIds.Display(row.Id), exported.GetProperty("ID").GetString()); continue; }
                AssertSameJson(p.Value, exported.GetProperty(p.Name), p.Name);
            }
            int listed = file2.GetProperty("points").EnumerateArray().Sum(q => q[6].EnumerateObject().Count());
            output.WriteLine($"{type}/{method}: {fileKeys.Count} keys, {listed:N0} probability entries, {file2.GetProperty("points").EnumerateArray().Sum(q => q[6].EnumerateObject().Count(e => e.Value.GetDouble() == 0.001))} of them 0.001");
        }
    }

    [Fact]
    public void A_second_round_trip_changes_nothing()
    {
        var (_, transfer, sp) = New();
        using (sp)
        {
            var once = ImportThenExport(transfer, OriginalFormatFiles.Generate("Unlearned", epochMetrics: true, seed: 5), out _);
            var twice = ImportThenExport(transfer, JsonNode.Parse(once.GetRawText())!, out var row);
            foreach (var p in once.EnumerateObject().Where(p => p.Name != "ID")) AssertSameJson(p.Value, twice.GetProperty(p.Name), p.Name);
            Assert.Equal(once.EnumerateObject().Select(p => p.Name), twice.EnumerateObject().Select(p => p.Name));
        }
    }

    /// <summary>Same JSON: same kinds, same keys in the same order, numbers equal as numbers (1 and 1.0 are equal).</summary>
    private static void AssertSameJson(JsonElement expected, JsonElement actual, string path)
    {
        bool bothNumbers = expected.ValueKind == JsonValueKind.Number && actual.ValueKind == JsonValueKind.Number;
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: {expected.ValueKind} became {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Number:
                Assert.True(bothNumbers && expected.GetDouble() == actual.GetDouble(), $"{path}: {expected.GetRawText()} became {actual.GetRawText()}");
                break;
            case JsonValueKind.String:
                Assert.True(expected.GetString() == actual.GetString(), $"{path}: '{expected.GetString()}' became '{actual.GetString()}'");
                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: length {expected.GetArrayLength()} became {actual.GetArrayLength()}");
                int i = 0;
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray())) AssertSameJson(e, a, $"{path}[{i++}]");
                break;
            case JsonValueKind.Object:
                Assert.True(expected.EnumerateObject().Select(p => p.Name).SequenceEqual(actual.EnumerateObject().Select(p => p.Name)),
                    $"{path}: keys {string.Join(",", expected.EnumerateObject().Select(p => p.Name))} became {string.Join(",", actual.EnumerateObject().Select(p => p.Name))}");
                foreach (var p in expected.EnumerateObject()) AssertSameJson(p.Value, actual.GetProperty(p.Name), $"{path}.{p.Name}");
                break;
        }
    }

    // ---- Fresh exports ----

    private static Experiment Row(string id, ExperimentType type, double? ps, int? epochs = null, int? batchSize = null, double? learningRate = null) => new()
    {
        Id = id, Dataset = Dataset, Architecture = Architecture, ForgetClass = 6, Type = type, PS = ps, UA = 0.5, RA = 0.9, TUA = 0.5, TRA = 0.9, RT = 12.34,
        Epochs = epochs, BatchSize = batchSize, LearningRate = learningRate, Method = type == ExperimentType.Unlearned ? "FineTuning" : null,
        CreatedUtc = DateTime.UnixEpoch, Status = ExperimentStatus.Ready,
    };

    /// <summary>
    /// Unrounded attack values: spread over both ranges, plus values a hair below thresholds (which 4-dp rounding would
    /// lift onto the threshold) and values on a threshold.
    /// </summary>
    private static List<AttackValue> Values(Random rng, double entropyShift, double confidenceShift)
    {
        var list = new List<AttackValue>();
        for (int i = 0; i < 200; i++)
        {
            double e = Math.Clamp(rng.NextDouble() * 2.2 + entropyShift, 0, 3), c = rng.NextDouble() * 13 - 3 + confidenceShift;
            if (i % 10 == 0) e = 0.05 * rng.Next(1, 50) - 3e-5;
            if (i % 10 == 1) c = -2.5 + 0.25 * rng.Next(1, 50) - 2e-5;
            if (i % 10 == 2) e = AttackScore.Thresholds(0, 2.5)[rng.Next(51)];
            list.Add(new AttackValue(i, e, c));
        }
        return list;
    }

    private static ExperimentResults Results(List<AttackValue> values, List<AttackValue> retrained) => new()
    {
        Accs = [.. Enumerable.Repeat(0.9, 10)], TAccs = [.. Enumerable.Repeat(0.9, 10)],
        LabelDist = [.. Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat(0.1, 10).ToArray())],
        ConfDist = [.. Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat(0.1, 10).ToArray())],
        TLabelDist = [.. Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat(0.1, 10).ToArray())],
        TConfDist = [.. Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat(0.1, 10).ToArray())],
        Points = [new SubsetPoint { Gt = 6, Pred = 6, Img = 3, IsForget = true, X = 1.234, Y = -5.678, Probs = [0.9, 0.0012, 0.001, 0.0009, 0, 0.00149, 0.0951, 0, 0, 0.0005] }],
        Attack = new AttackData { Values = values, Results = AttackData.ToStored(PrivacyScore.SubsetCurves(values, retrained)) },
    };

    private static JsonElement Export(Experiment e, ExperimentResults r)
    {
        var ms = new MemoryStream();
        OriginalFormat.Export(ms, e, r);
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    private static List<AttackValue> ValuesOf(JsonElement file) =>
        [.. file.GetProperty("attack").GetProperty("values").EnumerateArray().Select(v => new AttackValue(v.GetProperty("img").GetInt32(), v.GetProperty("entropy").GetDouble(), v.GetProperty("confidence").GetDouble()))];

    /// <summary>Largest difference between a file's stored curves and curves recomputed from its values and the Retrained file's.</summary>
    private static double CurveError(JsonElement file, List<AttackValue> modelValues, List<AttackValue> retrainValues)
    {
        var recomputed = AttackData.ToStored(PrivacyScore.SubsetCurves(modelValues, retrainValues));
        double max = 0;
        foreach (var key in AttackData.CurveKeys)
        {
            var stored = file.GetProperty("attack").GetProperty("results").GetProperty(key).EnumerateArray().ToArray();
            Assert.Equal(recomputed[key].Count, stored.Length);
            for (int i = 0; i < stored.Length; i++)
            {
                var (s, c) = (stored[i], recomputed[key][i]);
                Assert.Equal(Math.Round(c.Threshold, 3), s.GetProperty("threshold").GetDouble());
                max = Math.Max(max, Math.Abs(s.GetProperty("fpr").GetDouble() - c.Fpr));
                max = Math.Max(max, Math.Abs(s.GetProperty("fnr").GetDouble() - c.Fnr));
                max = Math.Max(max, Math.Abs(s.GetProperty("attack_score").GetDouble() - c.AttackScore));
            }
        }
        return max;
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Curves_recomputed_from_an_exported_file_match_its_stored_curves(int seed)
    {
        var rng = new Random(seed);
        var retrainedValues = Values(rng, 0.4, -1);
        var modelValues = Values(rng, 0, 0);
        var retrained = Export(Row("a006-cifar10-resnet18", ExperimentType.Retrained, 1), Results(retrainedValues, retrainedValues));
        var model = Export(Row("3f9c", ExperimentType.Unlearned, 0.5, 10, 64, 0.01), Results(modelValues, retrainedValues));

        double error = CurveError(model, ValuesOf(model), ValuesOf(retrained));
        double selfError = CurveError(retrained, ValuesOf(retrained), ValuesOf(retrained));
        // What the original's 2 dp would give on the same data (the check has teeth).
        List<AttackValue> TwoDp(List<AttackValue> v) => [.. v.Select(a => a with { Entropy = Math.Round(a.Entropy, 2), Confidence = Math.Round(a.Confidence, 2) })];
        double twoDpError = CurveError(model, TwoDp(modelValues), TwoDp(retrainedValues));
        output.WriteLine($"seed {seed}: max |stored − recomputed| = {error:0.######} (Retrained vs itself {selfError:0.######}); with 2-dp values {twoDpError:0.####}");

        Assert.True(error <= 0.0015, $"curves recomputed from the file differ by {error}");
        Assert.True(error <= 0.0005 + 1e-12, $"beyond the 3-dp rounding of the stored curves: {error}");
        Assert.True(selfError <= 0.0005 + 1e-12);
        Assert.True(twoDpError > 0.0015, $"2-dp values would have been consistent too ({twoDpError}); the test data do not exercise rounding");

        // Values are written with 4 decimals, except the ones 4 decimals would move onto or across a threshold.
        var written = ValuesOf(model);
        Assert.All(written.Zip(modelValues), p => Assert.True(Math.Abs(p.First.Entropy - p.Second.Entropy) <= 5e-5 && Math.Abs(p.First.Confidence - p.Second.Confidence) <= 5e-5));
        Assert.Contains(written.Zip(modelValues), p => p.First.Entropy == p.Second.Entropy && Math.Round(p.Second.Entropy, 4) != p.Second.Entropy);
    }

    [Theory]
    [InlineData(1.24997, AttackMetric.Entropy, 1.24997)]
    [InlineData(1.24994, AttackMetric.Entropy, 1.2499)]
    [InlineData(1.250004, AttackMetric.Entropy, 1.250004)]
    [InlineData(1.1000004, AttackMetric.Confidence, 1.1)]
    [InlineData(1.1000004, AttackMetric.Entropy, 1.1000004)]
    [InlineData(3.74998, AttackMetric.Confidence, 3.74998)]
    [InlineData(3.76543, AttackMetric.Confidence, 3.7654)]
    [InlineData(12.345678, AttackMetric.Confidence, 12.3457)]
    public void Attack_values_round_to_4_decimals_unless_that_crosses_a_threshold(double value, AttackMetric metric, double expected) =>
        Assert.Equal(expected, OriginalFormat.AttackValueForExport(value, metric));

    [Fact]
    public void Fresh_exports_filter_raw_probabilities_and_a_reimport_keeps_every_entry()
    {
        var values = Values(new Random(3), 0, 0);
        var json = Export(Row("3f9c", ExperimentType.Unlearned, 0.5, 10, 64, 0.01), Results(values, values));
        var probs = json.GetProperty("points")[0][6];
        // Raw 0.0012 and 0.00149 are > 0.001 and read 0.001; raw 0.001, 0.0009 and 0.0005 are not listed.
        Assert.Equal(["0", "1", "5", "6"], probs.EnumerateObject().Select(p => p.Name));
        Assert.Equal([0.9, 0.001, 0.001, 0.095], probs.EnumerateObject().Select(p => p.Value.GetDouble()));

        var imported = OriginalFormat.Import(new MemoryStream(Encoding.UTF8.GetBytes(json.GetRawText())), Dataset, Architecture, 10);
        var ms = new MemoryStream();
        OriginalFormat.Export(ms, imported.Experiment, imported.Results, importedFile: imported.File);
        var again = JsonDocument.Parse(ms.ToArray()).RootElement.GetProperty("points")[0][6];
        Assert.Equal(probs.EnumerateObject().Select(p => (p.Name, p.Value.GetDouble())), again.EnumerateObject().Select(p => (p.Name, p.Value.GetDouble())));
    }

    [Fact]
    public void Baselines_export_their_recipe_and_the_Original_its_PS_under_our_own_key()
    {
        var values = Values(new Random(4), 0, 0);
        var original = Export(Row("0006-cifar10-resnet18", ExperimentType.Original, 0.8, 200, 128, 0.1), Results(values, values));
        Assert.Equal((200, 128, 0.1), (original.GetProperty("Epoch").GetInt32(), original.GetProperty("BS").GetInt32(), original.GetProperty("LR").GetDouble()));
        Assert.Equal("N/A", original.GetProperty("FQS").GetString());
        Assert.Equal("N/A", original.GetProperty("RTE").GetString());
        Assert.Equal(0.8, original.GetProperty("PS").GetDouble());
        Assert.Equal("Original", original.GetProperty("Type").GetString());

        var retrained = Export(Row("a006-cifar10-resnet18", ExperimentType.Retrained, 1, 200, 128, 0.1), Results(values, values));
        Assert.Equal((200, 128, 0.1), (retrained.GetProperty("Epoch").GetInt32(), retrained.GetProperty("BS").GetInt32(), retrained.GetProperty("LR").GetDouble()));
        Assert.Equal((1.0, 1.0, 12.3), (retrained.GetProperty("FQS").GetDouble(), retrained.GetProperty("PS").GetDouble(), retrained.GetProperty("RTE").GetDouble()));

        // The Original's PS comes back from our key (FQS is "N/A").
        var imported = OriginalFormat.Import(new MemoryStream(Encoding.UTF8.GetBytes(original.GetRawText())), Dataset, Architecture, 10);
        Assert.Equal(0.8, imported.Experiment.PS);
        Assert.Equal(200, imported.Experiment.Epochs);
    }

    [Fact]
    public void Our_keys_a_file_lacks_go_where_the_format_puts_them()
    {
        Assert.Equal(OriginalFormat.KnownKeys, OriginalFormat.KeyOrder(null));
        // The original's baseline file: PA stays between TRA and RTE; Dataset, Architecture, PS, … References, depth and features follow its keys.
        string[] baseline = ["CreatedAt", "ID", "FC", "Type", "Base", "Method", "Epoch", "BS", "LR", "UA", "RA", "TUA", "TRA", "PA", "RTE", "FQS",
                             "accs", "label_dist", "conf_dist", "t_accs", "t_label_dist", "t_conf_dist", "cka", "cka_retrain", "points", "attack"];
        Assert.Equal([.. baseline, "Dataset", "Architecture", "PS", "MIA", "MIA_R", "ForgetSet", "Gap", "References", "depth", "features"], OriginalFormat.KeyOrder(baseline));
        // A file without CKA does not get null CKA keys; an unknown key keeps its place.
        string[] noCka = ["CreatedAt", "ID", "FC", "Type", "Base", "Method", "Epoch", "BS", "LR", "UA", "RA", "TUA", "TRA", "RTE", "FQS",
                          "accs", "label_dist", "conf_dist", "t_accs", "t_label_dist", "t_conf_dist", "note", "points", "attack", "Dataset", "Architecture"];
        Assert.Equal([.. noCka, "PS", "MIA", "MIA_R", "ForgetSet", "Gap", "References", "depth", "features"], OriginalFormat.KeyOrder(noCka));
    }

    /// <summary>The original writes its guided methods as "GA+FT", "GA+SL+FT", "GA+SL+FT V2"; we store identifiers and write its names back.</summary>
    [Theory]
    [InlineData("GA+FT", "GAFT")]
    [InlineData("GA+SL+FT", "GASLFT")]
    [InlineData("GA+SL+FT V2", "GASLFTV2")]
    [InlineData("FineTuning", "FineTuning")]
    public void Guided_method_names_map_to_our_stored_names_and_back(string inFile, string stored)
    {
        var (store, transfer, sp) = New();
        using (sp)
        {
            var file = OriginalFormatFiles.Generate("Unlearned", method: inFile);
            var e = transfer.Import(Body(file), Dataset, Architecture);
            Assert.Equal(stored, store.Get(e.Id)!.Method);
            var output = new MemoryStream();
            transfer.Export(e.Id, output, withFeatures: false);
            Assert.Equal(inFile, JsonNode.Parse(output.ToArray())!["Method"]!.GetValue<string>());
        }
    }
}
