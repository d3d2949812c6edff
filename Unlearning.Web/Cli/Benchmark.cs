using System.Diagnostics;
using TorchSharp;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Web.Cli;

/// <summary>What the <c>benchmark</c> verb measures; see its <c>--help</c> for each field.</summary>
public sealed record BenchmarkSettings(
    string DataRoot, string Dataset, IReadOnlyList<string> Architectures, int Batches, int ForgetClass, string? DumpFolder, string Device, int? Threads,
    bool EvaluationOnly = false, int EvaluationRounds = 3, bool AllClasses = false, long GramCacheMB = 640);

/// <summary>
/// The project's benchmark (see README, "Benchmark"): prints stage times and images/s so that regressions show.
/// Numbers come from this machine at this moment; machines here are shared, so compare runs side by side.
/// </summary>
public static class Benchmark
{
    /// <summary>Goal for training one Retrained model of the compact architecture, in seconds (docs/methods.md, "Faster recipes").</summary>
    internal const double RetrainGoalSeconds = 90;

    public static int Run(BenchmarkSettings settings, TextWriter log)
    {
        var dataRoot = DataPaths.ResolveDataRoot(settings.DataRoot);
        var info = DatasetCatalog.Get(settings.Dataset);
        var archs = settings.Architectures.Select(ModelCatalog.Get).ToList();
        if (settings.Batches < 1) throw new ArgumentException("--batches must be at least 1.");
        int batches = settings.Batches;
        TorchDevice.Initialise(settings.Threads);
        var device = TorchDevice.Resolve(settings.Device);
        log.WriteLine($"benchmark: {info.DisplayName}, device {device}, {get_num_threads()} threads, {Environment.ProcessorCount} cores");

        var clock = Stopwatch.StartNew();
        var data = DatasetLoader.LoadUncached(info, dataRoot);
        log.WriteLine($"data loading (read + decode {data.Train.Count + data.Test.Count} images): {clock.Elapsed.TotalSeconds:F2} s");
        clock.Restart();
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        log.WriteLine($"to normalised tensors: {clock.Elapsed.TotalSeconds:F2} s");
        if (settings.EvaluationOnly)
        {
            if (settings.EvaluationRounds < 1) throw new ArgumentException("--rounds must be at least 1.");
            foreach (var arch in archs)
                EvaluationBenchmark.RunEvaluationGoals(arch, dataRoot, settings.ForgetClass, data, train, test, device, log,
                    settings.EvaluationRounds, settings.AllClasses, settings.GramCacheMB);
            return 0;
        }

        foreach (var arch in archs)
        {
            Trainer.Seed(1);
            using var model = arch.Create(info);
            model.to(device);
            int archBatches = arch == ModelCatalog.ResNet18 ? Math.Max(3, batches / 6) : batches;
            // Three rounds, plain and augmented batches alternating, so that a slow moment of a shared machine shows as spread
            // instead of deciding one number; the first batches of a fresh model (allocator, kernel selection) are not timed.
            var plain = new List<double>();
            var augmented = new List<double>();
            for (int round = 0; round < 3; round++)
            {
                plain.Add(TrainSpeed(model, train, archBatches, null, warmUp: round == 0 ? 10 : 3));
                augmented.Add(TrainSpeed(model, train, archBatches, new Random(1 + round), warmUp: 3));
            }
            var inferIps = InferSpeed(model, test, archBatches);
            log.WriteLine($"{arch.Id,-10} params {model.ParameterCount(),10:N0}  train {Median(plain),8:N0} img/s ({Range(plain)}; with augmentation {Median(augmented):N0}, {Range(augmented)})  " +
                          $"inference {inferIps,8:N0} img/s  [3 × {archBatches} batches of 128 each]");
            if (arch == ModelCatalog.Compact)
            {
                // Goal (docs/methods.md, "Faster recipes"): a Retrained model (the retain set, 90 % of the train set for a class forget set) in
                // ≤ 90 s. Projected from the throughput above (batch 128; the faster recipe uses 256, measured no faster per image).
                int retain = data.Train.Count - data.Train.Count / info.NumClasses;
                foreach (var (name, recipe, ips) in new[] { ("shipped recipe", TrainOptions.CompactDefaults, Median(augmented)), ("CompactFast recipe", TrainOptions.CompactFast, Median(plain)) })
                {
                    double seconds = (double)recipe.Epochs * retain / Math.Max(1e-9, ips);
                    log.WriteLine($"  Retrained training, {name}: {recipe.Epochs} × {retain:N0} images{(recipe.Augment ? ", augmented" : "")}, projected");
                    EvaluationBenchmark.Goal(log, $"Retrained training ({name})", seconds, RetrainGoalSeconds, "s");
                }
            }
        }
        EvaluationBenchmark.Run(archs, dataRoot, settings.ForgetClass, settings.DumpFolder, data, train, test, device, log);
        return 0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Range(List<double> values) => $"{values.Min():N0}–{values.Max():N0}";

    private static double TrainSpeed(Classifier model, TensorData data, int batches, Random? augment, int warmUp)
    {
        using var opt = optim.SGD(model.parameters(), 0.01, 0.9, nesterov: true, weight_decay: 5e-4);
        model.train();
        var plan = TensorData.Plan(Enumerable.Range(0, (batches + warmUp) * 128).Select(i => i % data.Count).ToArray(), 128, new Random(0));
        var clock = new Stopwatch();
        for (int b = 0; b < plan.Length; b++)
        {
            if (b == warmUp) clock.Start(); // untimed warm-up batches
            using var scope = NewDisposeScope();
            var (x, y) = data.Batch(plan[b], augment);
            opt.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            opt.step();
        }
        return batches * 128 / clock.Elapsed.TotalSeconds;
    }

    private static double InferSpeed(Classifier model, TensorData data, int batches)
    {
        model.eval();
        using var noGrad = no_grad();
        var plan = TensorData.Plan(Enumerable.Range(0, batches * 128 + 3 * 128).Select(i => i % data.Count).ToArray(), 128, null);
        var clock = new Stopwatch();
        for (int b = 0; b < plan.Length; b++)
        {
            if (b == 3) clock.Start();
            using var scope = NewDisposeScope();
            var (x, _) = data.Batch(plan[b]);
            model.call(x).argmax(1).to(CPU).data<long>().ToArray();
        }
        return batches * 128 / clock.Elapsed.TotalSeconds;
    }
}
