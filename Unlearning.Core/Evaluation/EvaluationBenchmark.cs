using System.Diagnostics;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Cka;
using Unlearning.Core.Evaluation.Embedding;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation;

/// <summary>Evaluation-stage timings for the benchmark (SPEC §9): UMAP of 2,000 × d points and layer-wise CKA.</summary>
internal static class EvaluationBenchmark
{
    public static void Run(Dictionary<string, string> o, DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log)
    {
        RunUmap(log);
        var archs = CommandLine.Get(o, "arch", "compact,resnet18").Split(',').Select(ModelCatalog.Get).ToList();
        foreach (var arch in archs) RunCka(arch, test, device, log);
    }

    /// <summary>UMAP (default options) of 10 Gaussian clusters, 2,000 × 64 and 2,000 × 512, with trustworthiness (k = 10).</summary>
    internal static void RunUmap(TextWriter log)
    {
        foreach (int dim in new[] { 64, 512 })
        {
            var points = GaussianClusters(2000, dim, 10, seed: 7);
            Umap.Embed(points.Take(200).ToArray()); // warm-up (JIT)
            var clock = Stopwatch.StartNew();
            Umap.StageTimings = line => log.WriteLine($"  UMAP stages: {line}");
            var embedding = Umap.Embed(points);
            Umap.StageTimings = null;
            double seconds = clock.Elapsed.TotalSeconds;
            double trust = Trustworthiness.Compute(points, embedding, 10);
            log.WriteLine($"UMAP 2000x{dim}: {seconds:F2} s, trustworthiness(k=10) {trust:F4}");
        }
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
