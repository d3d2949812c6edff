using System.Text.Json.Nodes;
using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Experiments;

/// <summary>
/// Generates result files as the original Python tool writes them (docs/results-format.md, "Keys"): its keys in its
/// order, including the legacy <c>PA</c> of its baseline files and the optional <c>epoch_metrics</c>; 2,000 points
/// whose probability objects keep entries &gt; 0.001 rounded to 3 dp (so some read 0.001) and some of whose x positions
/// are not rounded (as in the original's 0006.json), 200 attack values at 2 dp,
/// four 51-point curves at 3 dp; CIFAR-10 / ResNet-18 (no <c>Dataset</c> / <c>Architecture</c> keys). Values are
/// random but seeded; curves follow the original's formula on the unrounded values.
/// </summary>
internal static class OriginalFormatFiles
{
    public const int Classes = 10;

    /// <summary>The file of one model. <paramref name="type"/>: "Original", "Retrained", "Unlearned" or "Pretrained".</summary>
    public static JsonObject Generate(string type, int forgetClass = 6, string method = "FineTuning", int seed = 1, bool epochMetrics = false)
    {
        var rng = new Random(seed);
        bool baseline = type is "Original" or "Retrained";
        bool pretrained = type == "Pretrained";
        bool custom = method == "Custom" || pretrained;
        int fc = pretrained ? -1 : forgetClass;
        double R(double lo, double hi, int digits) => Math.Round(lo + rng.NextDouble() * (hi - lo), digits);
        JsonArray Vector(int digits) => [.. Enumerable.Range(0, Classes).Select(_ => (JsonNode)R(0, 1, digits))];
        JsonObject Dist() => [.. Enumerable.Range(0, Classes).Select(i => KeyValuePair.Create<string, JsonNode?>($"gt_{i}", Vector(3)))];
        JsonArray Matrix() => [.. Enumerable.Range(0, Classes).Select(_ => (JsonNode)Vector(3))];
        JsonObject Cka() => new()
        {
            ["layers"] = new JsonArray("conv1", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1", "fc"),
            ["train"] = new JsonObject { ["forget_class"] = Matrix(), ["other_classes"] = Matrix() },
            ["test"] = new JsonObject { ["forget_class"] = Matrix(), ["other_classes"] = Matrix() },
        };

        var file = new JsonObject
        {
            ["CreatedAt"] = type switch { "Original" => "1970-01-01 00:00:00", "Retrained" => "1970-01-01 00:00:01", _ => "2025-08-16 21:39:45" },
            ["ID"] = type switch { "Original" => $"000{fc}", "Retrained" => $"a00{fc}", _ => "285d" },
            ["FC"] = pretrained ? "N/A" : fc,
            ["Type"] = type,
            ["Base"] = baseline || custom ? "N/A" : $"000{fc}",
            ["Method"] = baseline ? "N/A" : custom ? "Custom" : method,
            ["Epoch"] = baseline ? 200 : custom ? "N/A" : 10,
            ["BS"] = baseline ? 128 : custom ? "N/A" : 64,
            ["LR"] = baseline ? 0.1 : custom ? "N/A" : 0.01,
            ["UA"] = pretrained ? "N/A" : R(0, 1, 3),
            ["RA"] = R(0.8, 1, 3),
            ["TUA"] = pretrained ? "N/A" : R(0, 1, 3),
            ["TRA"] = R(0.8, 1, 3),
        };
        if (baseline) file["PA"] = R(0.4, 1, 3);
        file["RTE"] = type == "Original" || custom ? "N/A" : R(10, 4000, 1);
        file["FQS"] = type switch { "Original" => "N/A", "Retrained" => 1.0, _ => R(0, 1, 3) };
        file["accs"] = Vector(3);
        file["label_dist"] = Dist();
        file["conf_dist"] = Dist();
        file["t_accs"] = Vector(3);
        file["t_label_dist"] = Dist();
        file["t_conf_dist"] = Dist();
        file["cka"] = pretrained ? null : Cka();
        file["cka_retrain"] = pretrained ? null : Cka();
        file["points"] = Points(rng, fc);
        file["attack"] = pretrained ? new JsonObject { ["values"] = new JsonArray(), ["results"] = new JsonObject() } : Attack(rng);
        if (epochMetrics)
            file["epoch_metrics"] = new JsonObject([.. new[] { "UA", "RA", "TUA", "TRA", "PS", "C-MIA", "E-MIA" }.Select(k =>
                KeyValuePair.Create<string, JsonNode?>(k, new JsonArray([.. Enumerable.Range(0, 11).Select(_ => (JsonNode)R(0, 1, 3))])))]);
        return file;
    }

    /// <summary>200 samples per class; raw probabilities include values just above, at and below 0.001.</summary>
    private static JsonArray Points(Random rng, int fc)
    {
        double[] tiny = [0.0012, 0.00149, 0.001, 0.0009, 0.0004];
        var points = new JsonArray();
        for (int i = 0; i < 200 * Classes; i++)
        {
            int gt = i / 200, pred = rng.Next(5) == 0 ? rng.Next(Classes) : gt;
            var probs = new JsonObject();
            for (int k = 0; k < Classes; k++)
            {
                double raw = k == pred ? 0.5 + 0.49 * rng.NextDouble() : rng.Next(3) == 0 ? tiny[rng.Next(tiny.Length)] : 0.05 * rng.NextDouble();
                if (raw > 0.001) probs[k.ToString()] = Math.Round(raw, 3);
            }
            // The original's own 0006.json has x positions that are not rounded (e.g. -1.1799999999999997).
            double x = i % 97 == 0 ? -1.1799999999999997 : Math.Round(rng.NextDouble() * 30 - 15, 2);
            points.Add(new JsonArray(gt, pred, rng.Next(50_000), gt == fc ? 1 : 0, x, Math.Round(rng.NextDouble() * 30 - 15, 2), probs));
        }
        return points;
    }

    /// <summary>200 forget-class values (2 dp) and the four curves of the unrounded values against a random Retrained set (3 dp).</summary>
    private static JsonObject Attack(Random rng)
    {
        double[] entropy = [.. Enumerable.Range(0, 200).Select(_ => rng.NextDouble() * 2.3)];
        double[] confidence = [.. Enumerable.Range(0, 200).Select(_ => rng.NextDouble() * 14 - 3)];
        double[] retrainEntropy = [.. Enumerable.Range(0, 200).Select(_ => 0.5 + rng.NextDouble() * 1.8)];
        double[] retrainConfidence = [.. Enumerable.Range(0, 200).Select(_ => rng.NextDouble() * 8 - 1)];
        var curves = AttackCurves.Compute(entropy, confidence, retrainEntropy, retrainConfidence);
        var results = new JsonObject();
        foreach (var (metric, direction, points) in curves.All())
        {
            var key = $"{(metric == AttackMetric.Entropy ? "entropy" : "confidence")}_above_{(direction == AttackDirection.AboveUnlearn ? "unlearn" : "retrain")}";
            results[key] = new JsonArray([.. points.Select(p => (JsonNode)new JsonObject
            {
                ["threshold"] = Math.Round(p.Threshold, 3), ["fpr"] = Math.Round(p.Fpr, 3), ["fnr"] = Math.Round(p.Fnr, 3), ["attack_score"] = Math.Round(p.AttackScore, 3),
            })]);
        }
        return new JsonObject
        {
            ["values"] = new JsonArray([.. Enumerable.Range(0, 200).Select(i => (JsonNode)new JsonObject
            {
                ["img"] = 1000 + i, ["entropy"] = Math.Round(entropy[i], 2), ["confidence"] = Math.Round(confidence[i], 2),
            })]),
            ["results"] = results,
        };
    }
}
