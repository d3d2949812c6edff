using System.Diagnostics;
using System.Globalization;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Depth;
using Unlearning.Core.Models;
using TorchSharp;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Web.Cli;

/// <summary>What the <c>depth</c> verb measures; see its <c>--help</c>.</summary>
/// <param name="Checkpoints">Further checkpoints (e.g. unlearned models) measured after the shipped Original and Retrained model.</param>
public sealed record DepthSettings(string DataRoot, string Dataset, string Architecture, int ForgetClass, IReadOnlyList<string> Checkpoints, string Device, int? Threads);

/// <summary>
/// The <c>depth</c> verb: depth of forgetting (docs/metrics.md, "Depth of forgetting") of the shipped Original and the class's
/// Retrained model, then of any given checkpoint, through the Core entry point <see cref="DepthEvaluation.Run"/>; prints the
/// relearning curves, the steps to the Original's UA/2, the probe accuracy per layer and the seconds per model.
/// </summary>
public static class DepthBenchmark
{
    public static int Run(DepthSettings settings, TextWriter log, CancellationToken cancellation)
    {
        var (info, arch, device, folder, manifest, data) = BenchmarkSetup.Open(settings.DataRoot, settings.Dataset, settings.Architecture, settings.Device, settings.Threads,
            info =>
            {
                if (settings.ForgetClass < 0 || settings.ForgetClass >= info.NumClasses)
                    throw new ArgumentException($"Class {settings.ForgetClass} is outside 0..{info.NumClasses - 1}.");
                foreach (var c in settings.Checkpoints)
                    if (!File.Exists(c)) throw new ArgumentException($"No such checkpoint: {c}.");
            });
        using var train = new TensorData(data.Train, device);
        var split = ForgetSplit.Create(data, settings.ForgetClass);
        var models = new List<(string Name, string Path)> { ("Original", Path.Combine(folder, manifest.Original!.File)) };
        if (manifest.Retrained(settings.ForgetClass) is { } r) models.Add(("Retrained", Path.Combine(folder, r.File)));
        models.AddRange(settings.Checkpoints.Select(c => (Path.GetFileName(c), c)));
        log.WriteLine($"depth: {info.DisplayName}, {arch.Id}, forget class {settings.ForgetClass}, device {device}, {get_num_threads()} threads");
        double? originalUA = null;
        foreach (var (name, path) in models)
        {
            using var model = arch.Create(info);
            Checkpoint.Load(model, path);
            model.to(device);
            var clock = Stopwatch.StartNew();
            var result = DepthEvaluation.Run(model, train, split, new DepthOptions(), originalUA, null, cancellation);
            originalUA ??= result.Relearning.UA[0];
            var c = result.Relearning;
            log.WriteLine();
            log.WriteLine($"{name}: {clock.Elapsed.TotalSeconds:F1} s");
            log.WriteLine($"  relearning ({c.SubsetSize} samples): " + string.Join("  ", c.Steps.Zip(c.UA, (s, u) => $"{s}:{F(u)}")));
            if (c.RA is { } ra) log.WriteLine("  retain accuracy:         " + string.Join("  ", c.Steps.Zip(ra, (s, u) => $"{s}:{F(u)}")));
            log.WriteLine($"  steps to Original UA/2 ({F((c.ReferenceUA ?? 0) / 2)}): {(c.StepsToHalfReference is { } s ? s.ToString(CultureInfo.InvariantCulture) : "not within " + c.Steps[^1])}");
            var p = result.Probes;
            log.WriteLine($"  probes ({p.Target}, {p.TrainSamples} train / {p.TestSamples} test, chance {F(p.Chance)}): " +
                          string.Join("  ", p.Layers.Zip(p.Accuracy, (l, a) => $"{l}:{F(a)}")));
        }
        return 0;

        static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
    }
}
