using System.Diagnostics;
using TorchSharp;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Web.Cli;

/// <summary>What the <c>benchmark-methods</c> verb runs; <paramref name="Hyperparameters"/> are the <c>--hp.NAME VALUE</c> flags as name → text.</summary>
public sealed record MethodBenchmarkSettings(
    string DataRoot, string Dataset, string Architecture, IReadOnlyList<int> ForgetClasses, IReadOnlyList<string>? Methods,
    IReadOnlyDictionary<string, string> Hyperparameters, string Device, int? Threads);

/// <summary>
/// <c>benchmark-methods</c>: runs every built-in method with its defaults for the architecture on a few forget
/// classes of the shipped Original and prints UA, RA, TUA, TRA and RT (the issue's calibration table), next to
/// the Original's and the Retrained model's accuracies.
/// </summary>
public static class MethodBenchmark
{
    public static int Run(MethodBenchmarkSettings settings, TextWriter log)
    {
        var dataRoot = DataPaths.ResolveDataRoot(settings.DataRoot);
        var info = DatasetCatalog.Get(settings.Dataset);
        var arch = ModelCatalog.Get(settings.Architecture);
        var classes = settings.ForgetClasses;
        foreach (var c in classes)
            if (c < 0 || c >= info.NumClasses) throw new ArgumentException($"Class {c} is outside 0..{info.NumClasses - 1}.");
        var only = settings.Methods;
        TorchDevice.Initialise(settings.Threads);
        var device = TorchDevice.Resolve(settings.Device);
        var folder = DataPaths.BaselineFolder(dataRoot, info.Id, arch.Id);
        var manifest = BaselineManifest.TryLoad(folder) ?? throw new ArgumentException($"No baselines in {folder}; run train-baselines first.");
        var data = new DatasetLoader(dataRoot).Load(info);
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        var methods = MethodServiceCollectionExtensions.BuiltIns().Where(x => only is null || only.Contains(x.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        // A flag applies to every method that has the hyperparameter; one that no selected method has is a typo.
        foreach (var name in settings.Hyperparameters.Keys)
            if (!methods.Any(m => m.Hyperparameters.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))))
                throw new ArgumentException($"--hp.{name}: none of the selected methods has a hyperparameter '{name}'.");
        log.WriteLine($"| forget class | model | hyperparameters | UA | RA | TUA | TRA | PS | RT (s) |");
        log.WriteLine($"|---|---|---|---|---|---|---|---|---|");
        foreach (var fc in classes)
        {
            var split = ForgetSplit.Create(data, fc);
            (double[] E, double[] C)? retrainedSignals = null;
            Row(log, fc, "Original", "", Load(arch, info, Path.Combine(folder, manifest.Original!.File), device), train, test, null, split, null);
            if (manifest.Retrained(fc) is { } r)
                retrainedSignals = Row(log, fc, "Retrained", $"{manifest.Recipe.Epochs} epochs", Load(arch, info, Path.Combine(folder, r.File), device), train, test, r.TrainSeconds, split, null);
            foreach (var method in methods)
            {
                var own = settings.Hyperparameters.Where(kv => method.Hyperparameters.Any(h => h.Name.Equals(kv.Key, StringComparison.OrdinalIgnoreCase)))
                    .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
                var hp = MethodOptionsParser.Parse(method, arch.Id, own);
                var model = Load(arch, info, Path.Combine(folder, manifest.Original!.File), device);
                Trainer.Seed(2048);
                var ctx = new UnlearningContext(model, () => arch.Create(info), train, test, split, device, 2048, hp);
                var result = method.Run(ctx, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None);
                Row(log, fc, method.DisplayName, string.Join(" ", hp.Select(kv => $"{kv.Key}={kv.Value}")), model, train, test, result.RunTimeSeconds, split, retrainedSignals);
            }
        }
        return 0;

        static Classifier Load(ArchitectureInfo arch, DatasetInfo info, string path, Device device)
        {
            var model = arch.Create(info);
            Checkpoint.Load(model, path);
            model.to(device);
            return model;
        }

        static (double[] E, double[] C) Row(TextWriter log, int fc, string name, string hp, Classifier model, TensorData train, TensorData test, double? rt,
            ForgetSplit split, (double[] E, double[] C)? retrained)
        {
            using (model)
            {
                var (_, accs) = Trainer.Accuracy(model, train);
                var (_, tAccs) = Trainer.Accuracy(model, test);
                // PS of the table: all forget-class train samples of this model against all of the Retrained model.
                var e = new List<double>(); var c = new List<double>();
                model.eval();
                using (torch.no_grad())
                    foreach (var chunk in split.Forget.Chunk(1000))
                    {
                        using var scope = torch.NewDisposeScope();
                        var (x, _) = train.Batch([.. chunk.Select(i => (long)i)]);
                        var (ce, cc) = Unlearning.Core.Evaluation.Privacy.MiaSignals.Compute(model.call(x));
                        e.AddRange(ce); c.AddRange(cc);
                    }
                string ps = retrained is { } r ? Unlearning.Core.Evaluation.Privacy.PrivacyScore.Compute([.. e], [.. c], r.E, r.C).ToString("F3") : "-";
                log.WriteLine($"| {fc} | {name} | {hp} | {UnlearningAccuracy.UA(accs, fc):F3} | {UnlearningAccuracy.RA(accs, fc):F3} | {UnlearningAccuracy.TUA(tAccs, fc):F3} | {UnlearningAccuracy.TRA(tAccs, fc):F3} | {ps} | {(rt is double rts ? rts.ToString("F1") : "-")} |");
                return ([.. e], [.. c]);
            }
        }
    }
}
