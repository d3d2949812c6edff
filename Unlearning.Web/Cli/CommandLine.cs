using System.CommandLine;
using System.Globalization;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using Unlearning.Core.Training;

namespace Unlearning.Web.Cli;

/// <summary>
/// The app's command-line verbs (<c>dotnet run --project Unlearning.Web -c Release -- VERB ...</c>):
/// <c>train-baselines</c>, <c>benchmark</c> and <c>benchmark-methods</c>, each with <c>--help</c>. They run without
/// starting the web server; the work itself is done by Core operations (<see cref="BaselineTraining"/>) or by the
/// benchmark stages in this folder, which call Core's public API.
/// </summary>
public static class CommandLine
{
    private static readonly string[] Verbs = ["train-baselines", "benchmark", "benchmark-methods", "benchmark-privacy", "forget-set", "depth", "worker", "users", "help"];

    /// <summary>True when the first argument names a verb (otherwise the web server starts).</summary>
    public static bool IsCommand(string arg) => Verbs.Contains(arg);

    /// <summary>Parses and runs a verb. Exit codes: 0 done, 1 the command line is wrong, 2 the request is invalid (message on <paramref name="error"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter? error = null)
    {
        error ??= output;
        if (args is ["help", .. var rest]) args = [.. rest, "--help"];
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        return Build(output, error).Parse(args).InvokeAsync(config);
    }

    internal static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Unlearning Comparator: without a verb the web app starts; with one of these verbs it runs that task and exits.")
        {
            TrainBaselinesCommand(output, error), BenchmarkCommand(output, error), BenchmarkMethodsCommand(output, error), BenchmarkPrivacyCommand(output, error), ForgetSetCommand(output, error),
            DepthCommand(output, error), WorkerVerb.Create(output, error),
            Identity.UsersCommand.Create(output, error, () => Console.In),
        };
        return root;
    }

    /// <summary>
    /// Runs a verb's work; domain errors (unknown dataset, class out of range, missing data) are the user's to fix,
    /// so they print one line, not a stack trace, and exit with 2.
    /// </summary>
    private static void SetGuardedAction(Command command, TextWriter error, Func<ParseResult, CancellationToken, int> run) =>
        command.SetAction((parse, ct) =>
        {
            try { return Task.FromResult(run(parse, ct)); }
            catch (Exception e) when (e is ArgumentException or DatasetMissingException or InvalidDataException or FormatException or KeyNotFoundException)
            {
                error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });

    private static Option<string> DataOption() => new("--data") { Description = "Data root with the datasets and baselines", DefaultValueFactory = _ => "data" };
    private static Option<string> DatasetOption() => new("--dataset") { Description = "Dataset id", DefaultValueFactory = _ => DatasetCatalog.FashionMnist.Id };
    private static Option<string> DeviceOption() => new("--device") { Description = "Torch device: auto | cpu | cuda[:N]", DefaultValueFactory = _ => "auto" };
    private static Option<int?> ThreadsOption() => new("--threads") { Description = "LibTorch intra-op threads (default: number of cores)" };

    private static Command TrainBaselinesCommand(TextWriter output, TextWriter error)
    {
        var data = DataOption();
        var dataset = DatasetOption();
        var arch = new Option<string>("--arch") { Description = "Architecture id", DefaultValueFactory = _ => ModelCatalog.Compact.Id };
        var classes = new Option<string>("--classes") { Description = "Retrained models to train: all | none | comma-separated forget classes", DefaultValueFactory = _ => "all" };
        var noOriginal = new Option<bool>("--no-original") { Description = "Do not train the Original model" };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: the architecture's recipe)" };
        var lr = new Option<double?>("--lr") { Description = "Learning rate (default: the architecture's recipe)" };
        var batch = new Option<int?>("--batch") { Description = "Batch size (default: the architecture's recipe)" };
        var seed = new Option<long?>("--seed") { Description = "Random seed (default: the architecture's recipe)" };
        var schedule = new Option<LrSchedule?>("--schedule") { Description = "Learning-rate schedule: CosinePerEpoch | OneCycle (default: the architecture's recipe)" };
        var warmup = new Option<double?>("--warmup") { Description = "OneCycle warm-up fraction of all batches, in [0, 1) (default: the architecture's recipe)" };
        var smoothing = new Option<double?>("--label-smoothing") { Description = "Label smoothing of the cross-entropy, in [0, 1) (default: the architecture's recipe)" };
        var augment = new Option<bool?>("--augment") { Description = "Random crop + flip augmentation: true | false (default: the architecture's recipe)" };
        var device = DeviceOption();
        var threads = ThreadsOption();
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: data/baselines/<dataset>/<arch>/)" };
        var command = new Command("train-baselines",
            "Trains the Original model and the Retrained model of each forget class and writes checkpoints + manifest.json to data/baselines/<dataset>/<arch>/ (or --out).")
        {
            data, dataset, arch, classes, noOriginal, epochs, lr, batch, seed, schedule, warmup, smoothing, augment, device, threads, outDir,
        };
        SetGuardedAction(command, error, (parse, ct) =>
        {
            BaselineTraining.Run(new BaselineTrainingRequest
            {
                DataRoot = parse.GetValue(data)!, Dataset = parse.GetValue(dataset)!, Architecture = parse.GetValue(arch)!,
                ForgetClasses = parse.GetValue(classes) switch { "all" => null, "none" => [], var list => ParseInts(list!, "--classes") },
                IncludeOriginal = !parse.GetValue(noOriginal), Epochs = parse.GetValue(epochs), LearningRate = parse.GetValue(lr),
                BatchSize = parse.GetValue(batch), Seed = parse.GetValue(seed), Schedule = parse.GetValue(schedule),
                WarmupFraction = parse.GetValue(warmup), LabelSmoothing = parse.GetValue(smoothing), Augment = parse.GetValue(augment), Device = parse.GetValue(device)!, Threads = parse.GetValue(threads),
                OutputFolder = parse.GetValue(outDir), Command = "train-baselines " + string.Join(' ', parse.Tokens.Skip(1).Select(t => t.Value)),
            }, output, ct);
            return 0;
        });
        return command;
    }

    private static Command BenchmarkCommand(TextWriter output, TextWriter error)
    {
        var data = DataOption();
        var dataset = DatasetOption();
        var arch = new Option<string>("--arch") { Description = "Comma-separated architecture ids", DefaultValueFactory = _ => "compact,resnet18" };
        var batches = new Option<int>("--batches") { Description = "Timed training/inference batches per round (ResNet-18 runs a sixth of them, at least 3)", DefaultValueFactory = _ => 30 };
        var forgetClass = new Option<int>("--class") { Description = "Forget class of the full evaluation", DefaultValueFactory = _ => 0 };
        var dump = new Option<string?>("--dump") { Description = "Folder to write UMAP inputs and embeddings to (CSV) for an outside comparison" };
        var evaluationOnly = new Option<bool>("--evaluation-only")
        {
            Description = "Only the full evaluation: per-part times, cached and uncached, alternating over --rounds, CKA agreement with a float64 reference, RSS, each goal beside its target",
        };
        var rounds = new Option<int>("--rounds") { Description = "With --evaluation-only: rounds of (uncached, cached) evaluations", DefaultValueFactory = _ => 3 };
        var allClasses = new Option<bool>("--all-classes")
        {
            Description = "With --evaluation-only: afterwards evaluate the Original and Retrained baselines of all ten classes through one Gram cache (as opening every class in the app does) and report the resident memory",
        };
        var gramCache = new Option<long>("--gram-cache-mb") { Description = "With --evaluation-only: capacity of the reference Gram cache (Unlearning:Caches:ReferenceGramsMB)", DefaultValueFactory = _ => 640 };
        var device = DeviceOption();
        var threads = ThreadsOption();
        var command = new Command("benchmark",
            "Prints data-loading time, train/inference images/s per architecture, UMAP and CKA timings and the full evaluation of one model against the shipped baselines.")
        {
            data, dataset, arch, batches, forgetClass, dump, evaluationOnly, rounds, allClasses, gramCache, device, threads,
        };
        SetGuardedAction(command, error, (parse, _) => Benchmark.Run(new BenchmarkSettings(
            parse.GetValue(data)!, parse.GetValue(dataset)!, [.. parse.GetValue(arch)!.Split(',')], parse.GetValue(batches),
            parse.GetValue(forgetClass), parse.GetValue(dump), parse.GetValue(device)!, parse.GetValue(threads),
            parse.GetValue(evaluationOnly), parse.GetValue(rounds), parse.GetValue(allClasses), parse.GetValue(gramCache)), output));
        return command;
    }

    private static Command BenchmarkMethodsCommand(TextWriter output, TextWriter error)
    {
        var data = DataOption();
        var dataset = DatasetOption();
        var arch = new Option<string>("--arch") { Description = "Architecture id", DefaultValueFactory = _ => ModelCatalog.Compact.Id };
        var classes = new Option<string>("--classes") { Description = "Comma-separated forget classes, or 'all' (then a mean ± std table follows)", DefaultValueFactory = _ => "0,4,6" };
        var methods = new Option<string?>("--methods") { Description = "Comma-separated method names (default: every built-in method)" };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds; every method runs once per class and seed", DefaultValueFactory = _ => MethodBenchmarkSettings.DefaultSeed.ToString(CultureInfo.InvariantCulture) };
        var summarise = new Option<string[]>("--summarise")
        {
            Description = "Run nothing: print the mean ± std table of earlier outputs of this verb (files), e.g. of sweeps run in parallel",
            AllowMultipleArgumentsPerToken = true,
        };
        var track = new Option<bool>("--track-epoch-metrics")
        {
            Description = "Also run each method with per-epoch metrics on and print what they cost per epoch (seconds, outside RT) next to the untracked run",
        };
        var device = DeviceOption();
        var threads = ThreadsOption();
        var command = new Command("benchmark-methods",
            "Runs each built-in method with its defaults on the shipped Original and prints UA/RA/TUA/TRA/PS/RT/MIA/MIA-R per class and seed, " +
            "then their mean ± std over the classes and seeds. " +
            "--hp.NAME VALUE overrides hyperparameter NAME for every method that has it (e.g. --hp.epochs 3).")
        {
            data, dataset, arch, classes, methods, seeds, summarise, track, device, threads,
        };
        // --hp.NAME VALUE pairs are open-ended, so they arrive as unmatched tokens.
        command.TreatUnmatchedTokensAsErrors = false;
        SetGuardedAction(command, error, (parse, _) => parse.GetValue(summarise) is { Length: > 0 } files ? MethodBenchmark.Summarise(files, output) : MethodBenchmark.Run(new MethodBenchmarkSettings(
            parse.GetValue(data)!, parse.GetValue(dataset)!, parse.GetValue(arch)!,
            parse.GetValue(classes)!.Trim().Equals("all", StringComparison.OrdinalIgnoreCase) ? null : ParseInts(parse.GetValue(classes)!, "--classes"),
            parse.GetValue(methods)?.Split(','), HyperparameterFlags(parse.UnmatchedTokens), parse.GetValue(device)!, parse.GetValue(threads),
            [.. ParseInts(parse.GetValue(seeds)!, "--seeds").Select(v => (long)v)], parse.GetValue(track)), output));
        return command;
    }

    private static Command BenchmarkPrivacyCommand(TextWriter output, TextWriter error)
    {
        var data = DataOption();
        var dataset = DatasetOption();
        var arch = new Option<string>("--arch") { Description = "Architecture id", DefaultValueFactory = _ => ModelCatalog.Compact.Id };
        var app = new Option<string>("--app") { Description = "App folder of the benchmark (its own database and artifacts; runs accumulate there)", DefaultValueFactory = _ => "data/benchmark-privacy" };
        var set = new Option<string>("--forget-set") { Description = "class-{c} or random:{percent}:{seed}", DefaultValueFactory = _ => "class-6" };
        var k = new Option<int>("--k") { Description = "Models per side (4..32)", DefaultValueFactory = _ => Unlearning.Core.Experiments.Results.ForgettingQualityPlan.DefaultK };
        var methods = new Option<string?>("--methods") { Description = "Comma-separated method names (default: FineTuning, GradientAscent, RandomLabeling, SCRUB, SalUn)" };
        var depth = new Option<bool>("--depth") { Description = "Also run the relearning attack and probes of each method's first run" };
        var device = DeviceOption();
        var threads = ThreadsOption();
        var command = new Command("benchmark-privacy",
            "Forgetting quality of the built-in methods on one forget set (K unlearned runs vs K Retrained models, docs/metrics.md), " +
            "with PS, MIA, MIA-R, RT and the time each took; runs the missing models through the app's job queue in this process.")
        {
            data, dataset, arch, app, set, k, methods, depth, device, threads,
        };
        SetGuardedAction(command, error, (parse, ct) => PrivacyBenchmark.Run(new PrivacyBenchmarkSettings(
            parse.GetValue(data)!, parse.GetValue(app)!, parse.GetValue(dataset)!, parse.GetValue(arch)!, parse.GetValue(set)!, parse.GetValue(k),
            parse.GetValue(methods)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? PrivacyBenchmark.DefaultMethods,
            parse.GetValue(depth), parse.GetValue(device)!, parse.GetValue(threads)), output, ct));
        return command;
    }

    /// <summary>
    /// <c>forget-set</c>: draws (or reads) a forget set exactly as the app does (docs/forget-sets.md) and prints its id,
    /// name, size and per-class counts; <c>--out</c> writes its train indexes as CSV. The id is the one the app gives the
    /// same set, so a set can be drawn, inspected or shared without a server.
    /// </summary>
    private static Command ForgetSetCommand(TextWriter output, TextWriter error)
    {
        var data = DataOption();
        var dataset = DatasetOption();
        var kind = new Option<string>("--kind") { Description = "class | random | subclass | list", DefaultValueFactory = _ => "random" };
        var cls = new Option<int?>("--class") { Description = "The class (kind class or subclass)" };
        var count = new Option<int?>("--count") { Description = "Number of samples (random, subclass)" };
        var percent = new Option<double?>("--percent") { Description = "Percentage of the train set (random) or of the class (subclass)" };
        var seed = new Option<long>("--seed") { Description = "Seed of the draw", DefaultValueFactory = _ => 1 };
        var unstratified = new Option<bool>("--unstratified") { Description = "Random: draw from the whole train set, not class by class" };
        var file = new Option<string?>("--file") { Description = "Kind list: a CSV or JSON file of train indexes" };
        var label = new Option<string?>("--label") { Description = "Kind list: a name for the list" };
        var outFile = new Option<string?>("--out") { Description = "Write the train indexes (one per line) to this CSV file" };
        var command = new Command("forget-set", "Draws a forget set as the app does and prints its id, name, size and per-class counts (--out writes the indexes).")
        {
            data, dataset, kind, cls, count, percent, seed, unstratified, file, label, outFile,
        };
        SetGuardedAction(command, error, (parse, _) =>
        {
            var info = DatasetCatalog.TryGet(parse.GetValue(dataset)) ?? throw new ArgumentException($"Unknown dataset '{parse.GetValue(dataset)}'.");
            var labels = new DatasetLoader(Unlearning.Core.DataPaths.ResolveDataRoot(parse.GetValue(data)!)).Load(info).Train.Labels;
            var k = parse.GetValue(kind)!.ToLowerInvariant() switch
            {
                "class" => ForgetSetKind.Class,
                "random" => ForgetSetKind.Random,
                "subclass" => ForgetSetKind.SubClass,
                "list" => ForgetSetKind.IndexList,
                var other => throw new ArgumentException($"Unknown --kind '{other}'. Use class, random, subclass or list."),
            };
            int[]? listed = null;
            if (k == ForgetSetKind.IndexList)
            {
                var path = parse.GetValue(file) ?? throw new ArgumentException("--kind list needs --file.");
                if (!File.Exists(path)) throw new ArgumentException($"No such file: {path}.");
                if (new FileInfo(path).Length > ForgetSets.MaxIndexListBytes) throw new ArgumentException($"{path} is larger than {ForgetSets.MaxIndexListBytes / 1024} KB.");
                listed = ForgetSets.ParseIndexList(File.ReadAllText(path), labels.Length);
            }
            var request = new ForgetSetRequest
            {
                Kind = k, Class = parse.GetValue(cls), Count = parse.GetValue(count), Percent = parse.GetValue(percent), Seed = parse.GetValue(seed),
                Stratified = !parse.GetValue(unstratified), Indexes = listed, Label = parse.GetValue(label),
            };
            var indexes = ForgetSets.Draw(request, labels, info.NumClasses);
            output.WriteLine($"id      {ForgetSets.IdFor(info.Id, request, indexes)}");
            output.WriteLine($"name    {ForgetSets.Name(request, indexes.Length, info.ClassNames)}");
            output.WriteLine($"size    {indexes.Length} of {labels.Length} train images");
            output.WriteLine("classes " + string.Join(", ", indexes.GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => $"{info.ClassNames[g.Key]} {g.Count()}")));
            if (parse.GetValue(outFile) is { } o)
            {
                File.WriteAllLines(o, ["index", .. indexes.Select(i => i.ToString(CultureInfo.InvariantCulture))]);
                output.WriteLine($"indexes written to {o}");
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>depth</c>: relearning attack and linear probes of the shipped baselines and given checkpoints (<see cref="DepthBenchmark"/>).</summary>
    private static Command DepthCommand(TextWriter output, TextWriter error)
    {
        var data = DataOption();
        var dataset = DatasetOption();
        var arch = new Option<string>("--arch") { Description = "Architecture id", DefaultValueFactory = _ => ModelCatalog.Compact.Id };
        var forgetClass = new Option<int>("--class") { Description = "Forget class", DefaultValueFactory = _ => 6 };
        var checkpoints = new Option<string[]>("--checkpoint") { Description = "Further checkpoints to measure (after the shipped Original and Retrained model)", AllowMultipleArgumentsPerToken = true };
        var device = DeviceOption();
        var threads = ThreadsOption();
        var command = new Command("depth",
            "Depth of forgetting: relearning curve (UA after s steps on 1 % of the forget class), steps to the Original's UA/2 and " +
            "linear-probe accuracy per layer, for the shipped Original, the class's Retrained model and any --checkpoint.")
        {
            data, dataset, arch, forgetClass, checkpoints, device, threads,
        };
        SetGuardedAction(command, error, (parse, ct) => DepthBenchmark.Run(new DepthSettings(parse.GetValue(data)!, parse.GetValue(dataset)!,
            parse.GetValue(arch)!, parse.GetValue(forgetClass), parse.GetValue(checkpoints) ?? [], parse.GetValue(device)!, parse.GetValue(threads)), output, ct));
        return command;
    }

    /// <summary>The <c>--hp.NAME VALUE</c> pairs as name → text (the method-options parser checks names and values).</summary>
    internal static Dictionary<string, string> HyperparameterFlags(IReadOnlyList<string> tokens)
    {
        var hp = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].StartsWith("--hp.", StringComparison.Ordinal) || tokens[i].Length == 5)
                throw new ArgumentException($"Unexpected argument '{tokens[i]}'; hyperparameters are given as --hp.NAME VALUE.");
            if (i + 1 >= tokens.Count || tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"{tokens[i]} needs a value.");
            hp[tokens[i][5..]] = tokens[++i];
        }
        return hp;
    }

    private static int[] ParseInts(string list, string option) =>
        [.. list.Split(',', StringSplitOptions.TrimEntries).Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new ArgumentException($"{option} takes comma-separated whole numbers; '{p}' is not one."))];
}
