using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Core;

/// <summary>
/// The project's benchmark (SPEC §9): prints stage times and images/s so that regressions show.
/// Numbers come from this machine at this moment; machines here are shared, so compare runs side by side.
/// </summary>
public static class Benchmarks
{
    public static int Run(Dictionary<string, string> o, TextWriter log)
    {
        var dataRoot = DataPaths.ResolveDataRoot(CommandLine.Get(o, "data", "data"));
        var info = DatasetCatalog.Get(CommandLine.Get(o, "dataset", DatasetCatalog.FashionMnist.Id));
        var archs = CommandLine.Get(o, "arch", "compact,resnet18").Split(',').Select(ModelCatalog.Get).ToList();
        int batches = int.Parse(CommandLine.Get(o, "batches", "30"));
        TorchDevice.Initialise(o.TryGetValue("threads", out var t) ? int.Parse(t) : null);
        var device = TorchDevice.Resolve(CommandLine.Get(o, "device", "auto"));
        log.WriteLine($"benchmark: {info.DisplayName}, device {device}, {get_num_threads()} threads, {Environment.ProcessorCount} cores");

        var clock = Stopwatch.StartNew();
        var data = DatasetLoader.LoadUncached(info, dataRoot);
        log.WriteLine($"data loading (read + decode {data.Train.Count + data.Test.Count} images): {clock.Elapsed.TotalSeconds:F2} s");
        clock.Restart();
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        log.WriteLine($"to normalised tensors: {clock.Elapsed.TotalSeconds:F2} s");

        foreach (var arch in archs)
        {
            Trainer.Seed(1);
            using var model = arch.Create(info);
            model.to(device);
            int archBatches = arch == ModelCatalog.ResNet18 ? Math.Max(3, batches / 6) : batches;
            var (trainIps, trainAugIps) = (TrainSpeed(model, train, archBatches, null), TrainSpeed(model, train, archBatches, new Random(1)));
            var inferIps = InferSpeed(model, test, archBatches);
            log.WriteLine($"{arch.Id,-10} params {model.ParameterCount(),10:N0}  train {trainIps,8:N0} img/s (with augmentation {trainAugIps,8:N0})  inference {inferIps,8:N0} img/s  [{archBatches} batches of 128]");
        }
        Evaluation.EvaluationBenchmark.Run(o, data, train, test, device, log);
        return 0;
    }

    private static double TrainSpeed(Classifier model, TensorData data, int batches, Random? augment)
    {
        using var opt = optim.SGD(model.parameters(), 0.01, 0.9, nesterov: true, weight_decay: 5e-4);
        model.train();
        var plan = TensorData.Plan(Enumerable.Range(0, batches * 128 + 3 * 128).Select(i => i % data.Count).ToArray(), 128, new Random(0));
        var clock = new Stopwatch();
        for (int b = 0; b < plan.Length; b++)
        {
            if (b == 3) clock.Start(); // three warm-up batches
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
