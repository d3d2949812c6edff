using System.Diagnostics;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Training;

/// <summary>
/// What to train for one dataset and architecture: the Original (unless <see cref="IncludeOriginal"/> is false) and the
/// Retrained model of each class in <see cref="ForgetClasses"/> (null = every class). Recipe fields left null keep the
/// architecture's default recipe.
/// </summary>
public sealed record BaselineTrainingRequest
{
    /// <summary>Data root (relative roots are looked for upwards from the working directory, as for the app).</summary>
    public string DataRoot { get; init; } = "data";
    public string Dataset { get; init; } = DatasetCatalog.FashionMnist.Id;
    public string Architecture { get; init; } = ModelCatalog.Compact.Id;
    /// <summary>Forget classes whose Retrained model is trained; null = all classes, empty = none.</summary>
    public IReadOnlyList<int>? ForgetClasses { get; init; }
    public bool IncludeOriginal { get; init; } = true;
    public int? Epochs { get; init; }
    public double? LearningRate { get; init; }
    public int? BatchSize { get; init; }
    public long? Seed { get; init; }
    public LrSchedule? Schedule { get; init; }
    public double? WarmupFraction { get; init; }
    public double? LabelSmoothing { get; init; }
    public bool? Augment { get; init; }
    /// <summary>Torch device: <c>auto | cpu | cuda[:N]</c>.</summary>
    public string Device { get; init; } = "auto";
    /// <summary>LibTorch intra-op threads; null = number of cores.</summary>
    public int? Threads { get; init; }
    /// <summary>Output folder; null = <c>{DataRoot}/baselines/{dataset}/{architecture}</c>.</summary>
    public string? OutputFolder { get; init; }
    /// <summary>The command line recorded in the manifest, so that a reader can repeat the run.</summary>
    public string Command { get; init; } = "train-baselines";
}

/// <summary>
/// Trains the shipped baselines (Original and Retrained models) and writes their checkpoints and <c>manifest.json</c>;
/// the operation behind the host's <c>train-baselines</c> verb.
/// </summary>
public static class BaselineTraining
{
    /// <summary>Validates the request (ArgumentException with a clear message) and trains; progress lines go to <paramref name="log"/>.</summary>
    public static BaselineManifest Run(BaselineTrainingRequest request, TextWriter log, CancellationToken cancellation = default)
    {
        var dataRoot = DataPaths.ResolveDataRoot(request.DataRoot);
        var info = DatasetCatalog.Get(request.Dataset);
        var arch = ModelCatalog.Get(request.Architecture);
        var recipe = arch.DefaultRecipe(info).WithOverrides(request.Epochs, request.LearningRate, request.BatchSize, request.Seed);
        recipe = recipe with
        {
            Schedule = request.Schedule ?? recipe.Schedule,
            WarmupFraction = request.WarmupFraction ?? recipe.WarmupFraction,
            LabelSmoothing = request.LabelSmoothing ?? recipe.LabelSmoothing,
            Augment = request.Augment ?? recipe.Augment,
        };
        recipe.Validate();
        int[] classes = request.ForgetClasses is null ? [.. Enumerable.Range(0, info.NumClasses)] : [.. request.ForgetClasses];
        foreach (var c in classes)
            if (c < 0 || c >= info.NumClasses) throw new ArgumentException($"Class {c} is outside 0..{info.NumClasses - 1}.");
        TorchDevice.Initialise(request.Threads);
        var device = TorchDevice.Resolve(request.Device);
        var folder = request.OutputFolder is { } outDir ? Path.GetFullPath(outDir) : DataPaths.BaselineFolder(dataRoot, info.Id, arch.Id);
        var clock = Stopwatch.StartNew();
        var data = new DatasetLoader(dataRoot).Load(info);
        log.WriteLine($"Loaded {info.DisplayName} ({data.Train.Count} train / {data.Test.Count} test) in {clock.Elapsed.TotalSeconds:F2}s; device {device}, {get_num_threads()} threads; writing to {folder}");
        var manifest = BaselineTrainer.TrainAll(data, arch, recipe, folder, request.IncludeOriginal, classes, device, request.Command, log, cancellation);
        log.WriteLine($"Done in {clock.Elapsed.TotalMinutes:F1} min.");
        return manifest;
    }
}
