using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Core.Methods;

/// <summary>
/// <c>benchmark-methods</c>: runs every built-in method with its defaults for the architecture on a few forget
/// classes of the shipped Original and prints UA, RA, TUA, TRA and RT (the issue's calibration table), next to
/// the Original's and the Retrained model's accuracies.
/// </summary>
public static class MethodBenchmark
{
    public static int Run(Dictionary<string, string> o, TextWriter log)
    {
        var dataRoot = DataPaths.ResolveDataRoot(CommandLine.Get(o, "data", "data"));
        var info = DatasetCatalog.Get(CommandLine.Get(o, "dataset", DatasetCatalog.FashionMnist.Id));
        var arch = ModelCatalog.Get(CommandLine.Get(o, "arch", ModelCatalog.Compact.Id));
        var classes = CommandLine.Get(o, "classes", "0,4,6").Split(',').Select(int.Parse).ToArray();
        var only = o.TryGetValue("methods", out var m) ? m.Split(',') : null;
        TorchDevice.Initialise(o.TryGetValue("threads", out var t) ? int.Parse(t) : null);
        var device = TorchDevice.Resolve(CommandLine.Get(o, "device", "auto"));
        var folder = DataPaths.BaselineFolder(dataRoot, info.Id, arch.Id);
        var manifest = BaselineManifest.TryLoad(folder) ?? throw new ArgumentException($"No baselines in {folder}; run train-baselines first.");
        var data = new DatasetLoader(dataRoot).Load(info);
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        var methods = Methods.MethodServiceCollectionExtensions.BuiltIns().Where(x => only is null || only.Contains(x.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var overrides = o.Where(kv => kv.Key.StartsWith("hp.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[3..], kv => double.Parse(kv.Value, System.Globalization.CultureInfo.InvariantCulture));
        log.WriteLine($"| forget class | model | hyperparameters | UA | RA | TUA | TRA | RT (s) |");
        log.WriteLine($"|---|---|---|---|---|---|---|---|");
        foreach (var fc in classes)
        {
            var split = ForgetSplit.Create(data, fc);
            Row(log, fc, "Original", "", Load(arch, info, Path.Combine(folder, manifest.Original!.File), device), train, test, null);
            if (manifest.Retrained(fc) is { } r)
                Row(log, fc, "Retrained", $"{manifest.Recipe.Epochs} epochs", Load(arch, info, Path.Combine(folder, r.File), device), train, test, r.TrainSeconds);
            foreach (var method in methods)
            {
                var hp = new Dictionary<string, double>(method.DefaultsFor(arch.Id));
                foreach (var (k, v) in overrides) if (method.Hyperparameters.Any(h => h.Name == k)) hp[k] = v;
                hp = HyperparameterValidation.Validate(method, hp);
                var model = Load(arch, info, Path.Combine(folder, manifest.Original!.File), device);
                Trainer.Seed(2048);
                var ctx = new UnlearningContext(model, () => arch.Create(info), train, test, split, device, 2048, hp);
                var result = method.Run(ctx, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None);
                Row(log, fc, method.DisplayName, string.Join(" ", hp.Select(kv => $"{kv.Key}={kv.Value}")), model, train, test, result.RunTimeSeconds);
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

        static void Row(TextWriter log, int fc, string name, string hp, Classifier model, TensorData train, TensorData test, double? rt)
        {
            using (model)
            {
                var (_, accs) = Trainer.Accuracy(model, train);
                var (_, tAccs) = Trainer.Accuracy(model, test);
                log.WriteLine($"| {fc} | {name} | {hp} | {UnlearningAccuracy.UA(accs, fc):F3} | {UnlearningAccuracy.RA(accs, fc):F3} | {UnlearningAccuracy.TUA(tAccs, fc):F3} | {UnlearningAccuracy.TRA(tAccs, fc):F3} | {(rt is double r ? r.ToString("F1") : "-")} |");
            }
        }
    }
}
