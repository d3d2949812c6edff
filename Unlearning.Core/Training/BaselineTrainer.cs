using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Training;

/// <summary>
/// Trains the Original model (all classes) and the Retrained model of each forget class (from scratch on
/// the retain set only, docs/methods.md, "Original and Retrained recipes") for one (dataset, architecture), saving checkpoints and a manifest.
/// </summary>
public static class BaselineTrainer
{
    public static string OriginalFile => "original.pt";
    public static string RetrainedFile(int forgetClass) => $"retrained-{forgetClass}.pt";

    /// <summary>Trains one baseline; <paramref name="forgetClass"/> null = Original.</summary>
    public static (Classifier Model, BaselineEntry Entry) TrainOne(DatasetSplits data, ArchitectureInfo arch, TrainOptions recipe,
        int? forgetClass, Device device, IProgress<TrainProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        int[] indices = forgetClass is int fc ? ForgetSplit.Create(data, fc).Retain : [.. Enumerable.Range(0, data.Train.Count)];
        Trainer.Seed(recipe.Seed);
        var model = arch.Create(data.Info);
        model.to(device);
        var result = Trainer.Train(model, train, indices, recipe, progress, cancellation);
        var (overall, perClass) = Trainer.Accuracy(model, test, cancellation);
        var entry = new BaselineEntry
        {
            Kind = forgetClass is null ? "Original" : "Retrained",
            ForgetClass = forgetClass,
            File = forgetClass is int c ? RetrainedFile(c) : OriginalFile,
            Seed = recipe.Seed,
            TrainSeconds = Math.Round(result.Seconds, 1),
            TrainImagesPerSecond = Math.Round(result.ImagesPerSecond),
            TrainSamples = indices.Length,
            TestAccuracy = Math.Round(overall, 4),
            TestAccuracyPerClass = [.. perClass.Select(a => Math.Round(a, 4))],
            ForgetClassTestAccuracy = forgetClass is int f1 ? Math.Round(perClass[f1], 4) : null,
            OtherClassesTestAccuracy = forgetClass is int f2 ? Math.Round(perClass.Where((_, i) => i != f2).Average(), 4) : null,
            CreatedUtc = DateTime.UtcNow,
        };
        return (model, entry);
    }

    /// <summary>
    /// Trains a Retrained model of a sample forget set (or a further seed): from scratch on <paramref name="retain"/>
    /// with the recipe; the entry records the test accuracies (no forget class).
    /// </summary>
    public static (Classifier Model, BaselineEntry Entry) TrainOn(DatasetSplits data, ArchitectureInfo arch, TrainOptions recipe,
        int[] retain, Device device, IProgress<TrainProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        Trainer.Seed(recipe.Seed);
        var model = arch.Create(data.Info);
        model.to(device);
        var result = Trainer.Train(model, train, retain, recipe, progress, cancellation);
        var (overall, perClass) = Trainer.Accuracy(model, test, cancellation);
        return (model, new BaselineEntry
        {
            Kind = "Retrained", File = "", Seed = recipe.Seed,
            TrainSeconds = Math.Round(result.Seconds, 1), TrainImagesPerSecond = Math.Round(result.ImagesPerSecond), TrainSamples = retain.Length,
            TestAccuracy = Math.Round(overall, 4), TestAccuracyPerClass = [.. perClass.Select(a => Math.Round(a, 4))], CreatedUtc = DateTime.UtcNow,
        });
    }

    /// <summary>Trains the requested baselines, writing each checkpoint as soon as it is done and updating the manifest.</summary>
    public static BaselineManifest TrainAll(DatasetSplits data, ArchitectureInfo arch, TrainOptions recipe, string folder,
        bool original, IReadOnlyList<int> forgetClasses, Device device, string command, TextWriter log, CancellationToken cancellation = default)
    {
        var manifest = BaselineManifest.TryLoad(folder) ?? new BaselineManifest { Dataset = data.Info.Id, Architecture = arch.Id, Recipe = recipe };
        manifest = manifest with { Recipe = recipe, Device = device.ToString(), Threads = get_num_threads(), Command = command };
        var jobs = (original ? new int?[] { null } : []).Concat(forgetClasses.Select(c => (int?)c)).ToList();
        foreach (var fc in jobs)
        {
            var name = fc is null ? "Original" : $"Retrained without class {fc} ({data.Info.ClassNames[fc.Value]})";
            log.WriteLine($"== {name}: {recipe.Epochs} epochs, lr {recipe.LearningRate}, batch {recipe.BatchSize}, seed {recipe.Seed}");
            var progress = new CallbackProgress<TrainProgress>(p =>
            {
                if (p.EpochEnd)
                    log.WriteLine($"   epoch {p.Epoch}/{p.TotalEpochs} loss {p.Loss:F4} train acc {p.Accuracy:P2} lr {p.LearningRate:F4} elapsed {p.Elapsed.TotalSeconds:F0}s eta {p.Eta?.TotalSeconds:F0}s");
            });
            var (model, entry) = TrainOne(data, arch, recipe, fc, device, progress, cancellation);
            using (model)
                Checkpoint.Save(model, Path.Combine(folder, entry.File));
            manifest.Upsert(entry, folder);
            log.WriteLine($"   test accuracy {entry.TestAccuracy:P2}" + (fc is null ? "" : $", forget class {entry.ForgetClassTestAccuracy:P2}, other classes {entry.OtherClassesTestAccuracy:P2}") + $", {entry.TrainSeconds}s, {entry.TrainImagesPerSecond} img/s");
        }
        return manifest;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls back synchronously on the reporting thread (unlike <see cref="Progress{T}"/>, which posts).</summary>
public sealed class CallbackProgress<T>(Action<T> callback) : IProgress<T>
{
    public void Report(T value) => callback(value);
}
