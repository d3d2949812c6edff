using System.Diagnostics;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Cka;
using Unlearning.Core.Evaluation.Embedding;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Web.Cli;

/// <summary>Evaluation-stage timings for the benchmark (see README, "Benchmark"): UMAP of 2,000 × d points and layer-wise CKA.</summary>
internal static class EvaluationBenchmark
{
    public static void Run(IReadOnlyList<ArchitectureInfo> archs, string dataRoot, int forgetClass, string? dumpFolder,
        DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log)
    {
        var dump = dumpFolder is null ? null : Directory.CreateDirectory(dumpFolder).FullName;
        RunUmap(log, dump);
        foreach (var arch in archs) RunCka(arch, test, device, log);
        foreach (var arch in archs) RunFullEvaluation(arch, dataRoot, forgetClass, data, train, test, device, log, dump);
    }

    /// <summary>
    /// The complete evaluation (docs/metrics.md) of one model with the shipped baselines of forget class --class
    /// (default 0): the Original and Retrained references are evaluated first (untimed), then the Original is
    /// evaluated again as an ordinary experiment against both references — the work every new model costs.
    /// </summary>
    internal static void RunFullEvaluation(ArchitectureInfo arch, string dataRoot, int fc, DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log, string? dump = null)
    {
        if (fc < 0 || fc >= data.Info.NumClasses) throw new ArgumentException($"--class {fc} is outside 0..{data.Info.NumClasses - 1}.");
        var folder = DataPaths.BaselineFolder(dataRoot, data.Info.Id, arch.Id);
        var manifest = BaselineManifest.TryLoad(folder);
        if (manifest?.Original is null || manifest.Retrained(fc) is null)
        {
            log.WriteLine($"full evaluation {arch.Id}: skipped (no Original + Retrained class {fc} baselines in {folder})");
            return;
        }
        using var original = arch.Create(data.Info);
        using var retrained = arch.Create(data.Info);
        Checkpoint.Load(original, Path.Combine(folder, manifest.Original.File));
        Checkpoint.Load(retrained, Path.Combine(folder, manifest.Retrained(fc)!.File));
        original.to(device).eval();
        retrained.to(device).eval();
        var split = ForgetSplit.Create(data, fc);
        var subset = FixedSubset.Select(data.Train.Labels, data.Info.NumClasses);
        using var cache = new ReferenceGramCache();
        var evaluator = new Evaluator { GramCache = cache };
        var o0 = evaluator.Evaluate(new EvaluationInput(original, train, test, split, subset, original, retrained, null, null, false, RetrainedCacheKey: "retrained"));
        var r0 = evaluator.Evaluate(new EvaluationInput(retrained, train, test, split, subset, original, null, null, o0.Results, true, OriginalCacheKey: "original"));
        EvaluationOutput e = o0;
        foreach (var cached in new[] { false, true })
        {
            var clock = Stopwatch.StartNew();
            e = (cached ? evaluator : new Evaluator()).Evaluate(new EvaluationInput(original, train, test, split, subset, original, retrained, r0.Results, o0.Results, false,
                OriginalCacheKey: "original", RetrainedCacheKey: "retrained"));
            var total = clock.Elapsed.TotalSeconds;
            log.WriteLine($"full evaluation {arch.Id} (forget class {fc}, reference Gram matrices {(cached ? "cached, as for every model after the first of a class" : "computed")}): {total:F1} s total; " +
                string.Join("; ", e.Results.StageSeconds.Select(kv => $"{kv.Key} {kv.Value:F2} s")));
        }
        log.WriteLine($"  {(data.Train.Count + data.Test.Count) / (e.Results.StageSeconds[Evaluator.Stages[0]] + e.Results.StageSeconds[Evaluator.Stages[1]]):N0} img/s in the accuracy passes; " +
            $"Original vs Retrained: UA {e.UA:F3} RA {e.RA:F3} TUA {e.TUA:F3} TRA {e.TRA:F3} PS {e.PS:F3}; Retrained UA {r0.UA:F3} TRA {r0.TRA:F3}");
        var features = Enumerable.Range(0, subset.Length).Select(i => e.Features[(i * e.FeatureDim)..((i + 1) * e.FeatureDim)]).ToArray();
        var umapClock = Stopwatch.StartNew();
        var embedding = Umap.Embed(features, evaluator.Umap);
        log.WriteLine($"  UMAP of the real subset features (2000x{e.FeatureDim}): {umapClock.Elapsed.TotalSeconds:F2} s, trustworthiness(k=10) {Trustworthiness.Compute(features, embedding, 10):F4}");
        if (dump is not null) Dump(dump, $"subset-{arch.Id}", features, embedding, log);
    }

    /// <summary>UMAP (default options) of 10 Gaussian clusters, 2,000 × 64 and 2,000 × 512, with trustworthiness (k = 10).</summary>
    internal static void RunUmap(TextWriter log, string? dump = null)
    {
        foreach (int dim in new[] { 64, 512 })
        {
            var points = GaussianClusters(2000, dim, 10, seed: 7);
            Umap.Embed(points.Take(200).ToArray()); // warm-up (JIT)
            var clock = Stopwatch.StartNew();
            var embedding = Umap.Embed(points, new UmapOptions { StageTimings = line => log.WriteLine($"  UMAP stages: {line}") });
            double seconds = clock.Elapsed.TotalSeconds;
            double trust = Trustworthiness.Compute(points, embedding, 10);
            log.WriteLine($"UMAP 2000x{dim}: {seconds:F2} s, trustworthiness(k=10) {trust:F4}");
            if (dump is not null) Dump(dump, $"clusters-{dim}", points, embedding, log);
        }
    }

    /// <summary>
    /// Writes the UMAP input (<c>NAME.features.csv</c>) and our embedding (<c>NAME.umap.csv</c>) for an outside
    /// comparison, e.g. <c>tools/umap_compare.py</c> with umap-learn and scikit-learn's trustworthiness.
    /// </summary>
    private static void Dump(string folder, string name, float[][] features, double[,] embedding, TextWriter log)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        File.WriteAllLines(Path.Combine(folder, name + ".features.csv"), features.Select(row => string.Join(',', row.Select(v => v.ToString("R", inv)))));
        File.WriteAllLines(Path.Combine(folder, name + ".umap.csv"),
            Enumerable.Range(0, embedding.GetLength(0)).Select(i => $"{embedding[i, 0].ToString("R", inv)},{embedding[i, 1].ToString("R", inv)}"));
        log.WriteLine($"  wrote {name}.features.csv and {name}.umap.csv to {folder}");
    }

    /// <summary>CKA of all layer pairs of two freshly initialised models on one batch of 1,000 test images.</summary>
    internal static void RunCka(ArchitectureInfo arch, TensorData test, Device device, TextWriter log)
    {
        Trainer.Seed(1);
        using var first = arch.Create(test.Info);
        using var second = arch.Create(test.Info);
        first.to(device).eval();
        second.to(device).eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (x, _) = test.Batch(Enumerable.Range(0, Math.Min(1000, test.Count)).Select(i => (long)i).ToArray());
        var layersA = first.ForwardLayers(x);
        var layersB = second.ForwardLayers(x);
        var widths = string.Join("/", layersA.Select(t => t.shape[1]));
        new MinibatchCka(layersA.Count, layersB.Count).Add(layersA, layersB); // warm-up
        foreach (var gramType in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var clock = Stopwatch.StartNew();
            var cka = new MinibatchCka(layersA.Count, layersB.Count, gramType);
            cka.Add(layersA, layersB);
            var result = cka.Result();
            double seconds = clock.Elapsed.TotalSeconds;
            double diagonal = Enumerable.Range(0, Math.Min(layersA.Count, layersB.Count)).Average(i => result[i, i]);
            log.WriteLine($"CKA {arch.Id} ({gramType} Gram): {layersA.Count}x{layersB.Count} layer pairs, 1 batch of {x.shape[0]} (widths {widths}): {seconds:F2} s, mean diagonal {diagonal:F3}");
        }
    }

    /// <summary>n points in <paramref name="dim"/>-D around <paramref name="clusters"/> centres (centre spread 3, unit noise).</summary>
    internal static float[][] GaussianClusters(int n, int dim, int clusters, int seed)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dim).Select(_ => 3 * Gauss()).ToArray()).ToArray();
        return Enumerable.Range(0, n).Select(i => centres[i % clusters].Select(c => (float)(c + Gauss())).ToArray()).ToArray();
    }
}
