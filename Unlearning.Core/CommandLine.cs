using System.Diagnostics;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using static TorchSharp.torch;

namespace Unlearning.Core;

/// <summary>
/// Command-line verbs of the app (run through <c>dotnet run --project Unlearning.Web -c Release -- VERB ...</c>):
/// <c>train-baselines</c> and <c>benchmark</c>. See README.
/// </summary>
public static class CommandLine
{
    private static readonly string[] Verbs = ["train-baselines", "benchmark", "benchmark-methods", "help"];

    public static bool IsCommand(string arg) => Verbs.Contains(arg);

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        await Task.Yield();
        try
        {
            var opts = ParseOptions(args.Skip(1));
            return args[0] switch
            {
                "train-baselines" => TrainBaselines(opts, args, output),
                "benchmark" => Benchmarks.Run(opts, output),
                "benchmark-methods" => Methods.MethodBenchmark.Run(opts, output),
                _ => Help(output),
            };
        }
        catch (Exception e) when (e is ArgumentException or DatasetMissingException or InvalidDataException or FormatException)
        {
            output.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    private static int Help(TextWriter o)
    {
        o.WriteLine("""
            Verbs:
              train-baselines [--dataset fashion-mnist] [--arch compact] [--classes all|none|0,1,...] [--no-original]
                              [--epochs N] [--lr X] [--batch N] [--seed N] [--device auto|cpu|cuda[:N]] [--out FOLDER]
                  Trains the Original model and the Retrained model of each forget class and writes
                  checkpoints + manifest.json to data/baselines/<dataset>/<arch>/ (or --out).
              benchmark [--dataset fashion-mnist] [--arch compact,resnet18] [--batches N] [--device ...]
                  Prints data-loading time, train/inference images/s per architecture, UMAP and CKA timings and
                  the full evaluation of one model against the shipped baselines (--class N, default 0).
              benchmark-methods [--classes 0,4,6] [--methods FineTuning,SCRUB] [--hp.NAME VALUE ...]
                  Runs each built-in method with its defaults on the shipped Original and prints UA/RA/TUA/TRA/RT.
            """);
        return 0;
    }

    internal static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null) d[key] = "true";
                key = a[2..];
            }
            else if (key is not null) { d[key] = a; key = null; }
            else throw new ArgumentException($"Unexpected argument '{a}'.");
        }
        if (key is not null) d[key] = "true";
        return d;
    }

    internal static string Get(Dictionary<string, string> o, string key, string fallback) => o.TryGetValue(key, out var v) ? v : fallback;

    private static int TrainBaselines(Dictionary<string, string> o, string[] args, TextWriter log)
    {
        var dataRoot = DataPaths.ResolveDataRoot(Get(o, "data", "data"));
        var info = DatasetCatalog.Get(Get(o, "dataset", DatasetCatalog.FashionMnist.Id));
        var arch = ModelCatalog.Get(Get(o, "arch", ModelCatalog.Compact.Id));
        TorchDevice.Initialise(o.TryGetValue("threads", out var t) ? int.Parse(t) : null);
        var device = TorchDevice.Resolve(Get(o, "device", "auto"));
        var recipe = arch.DefaultRecipe(info);
        if (o.TryGetValue("epochs", out var e)) recipe = recipe with { Epochs = int.Parse(e) };
        if (o.TryGetValue("lr", out var lr)) recipe = recipe with { LearningRate = double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture) };
        if (o.TryGetValue("batch", out var b)) recipe = recipe with { BatchSize = int.Parse(b) };
        if (o.TryGetValue("seed", out var s)) recipe = recipe with { Seed = long.Parse(s) };
        recipe.Validate();
        var classesArg = Get(o, "classes", "all");
        int[] classes = classesArg switch
        {
            "all" => [.. Enumerable.Range(0, info.NumClasses)],
            "none" => [],
            _ => [.. classesArg.Split(',').Select(int.Parse)],
        };
        foreach (var c in classes)
            if (c < 0 || c >= info.NumClasses) throw new ArgumentException($"Class {c} is outside 0..{info.NumClasses - 1}.");
        var folder = o.TryGetValue("out", out var outDir) ? Path.GetFullPath(outDir) : DataPaths.BaselineFolder(dataRoot, info.Id, arch.Id);
        var clock = Stopwatch.StartNew();
        var data = new DatasetLoader(dataRoot).Load(info);
        log.WriteLine($"Loaded {info.DisplayName} ({data.Train.Count} train / {data.Test.Count} test) in {clock.Elapsed.TotalSeconds:F2}s; device {device}, {get_num_threads()} threads; writing to {folder}");
        var command = "train-baselines " + string.Join(' ', args.Skip(1));
        BaselineTrainer.TrainAll(data, arch, recipe, folder, !o.ContainsKey("no-original"), classes, device, command, log);
        log.WriteLine($"Done in {clock.Elapsed.TotalMinutes:F1} min.");
        return 0;
    }
}
