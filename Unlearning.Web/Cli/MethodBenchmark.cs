using System.Diagnostics;
using System.Globalization;
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
    string DataRoot, string Dataset, string Architecture, IReadOnlyList<int>? ForgetClasses, IReadOnlyList<string>? Methods,
    IReadOnlyDictionary<string, string> Hyperparameters, string Device, int? Threads, IReadOnlyList<long>? Seeds = null,
    bool TrackEpochMetrics = false)
{
    /// <summary>The seed of a run when none is given (the original's).</summary>
    public const long DefaultSeed = 2048;
}

/// <summary>
/// <c>benchmark-methods</c>: runs every built-in method with its defaults for the architecture on the given forget
/// classes (null = every class) and seeds of the shipped Original and prints UA, RA, TUA, TRA, PS, RT, MIA and MIA-R per run, next
/// to the Original's and the Retrained model's, then the mean ± std of each over the classes and seeds
/// (<see cref="MethodSweepSummary"/>; docs/methods.md, "Calibration over all classes"). With <c>--track-epoch-metrics</c> each run
/// is repeated with per-epoch metrics on, and a second table gives their cost: the epoch-0 record (with the shadow attack's fit)
/// and the mean of the later records, next to both runs' RT (docs/metrics.md, "Per-epoch metrics").
/// </summary>
public static class MethodBenchmark
{
    /// <summary>Prints the summary table of the per-run rows in earlier outputs of this verb.</summary>
    /// <exception cref="ArgumentException">A file is missing or holds no rows.</exception>
    public static int Summarise(IReadOnlyList<string> files, TextWriter log)
    {
        var lines = new List<string>();
        foreach (var f in files)
            lines.AddRange(File.Exists(f) ? File.ReadLines(f) : throw new ArgumentException($"No such file: {f}."));
        var rows = MethodSweepSummary.ParseRows(lines);
        if (rows.Count == 0) throw new ArgumentException("The files hold no benchmark-methods rows.");
        var runs = rows.Where(r => r.Model is not MethodSweepSummary.OriginalModel and not MethodSweepSummary.RetrainedModel).ToList();
        log.WriteLine($"Mean ± sample std over {runs.Select(r => r.ForgetClass).Distinct().Count()} forget class(es) × " +
            $"{runs.Select(r => r.Seed).Distinct().Count()} seed(s) from {files.Count} file(s) (baselines: over the classes):");
        log.WriteLine();
        MethodSweepSummary.Write(log, MethodSweepSummary.Summarise(rows));
        return 0;
    }

    public static int Run(MethodBenchmarkSettings settings, TextWriter log)
    {
        IReadOnlyList<int> classes = [];
        var (info, arch, device, folder, manifest, data) = BenchmarkSetup.Open(settings.DataRoot, settings.Dataset, settings.Architecture, settings.Device, settings.Threads,
            info =>
            {
                classes = settings.ForgetClasses is { } chosen ? [.. chosen] : [.. Enumerable.Range(0, info.NumClasses)];
                foreach (var c in classes)
                    if (c < 0 || c >= info.NumClasses) throw new ArgumentException($"Class {c} is outside 0..{info.NumClasses - 1}.");
            });
        var seeds = settings.Seeds is { Count: > 0 } given ? given : [MethodBenchmarkSettings.DefaultSeed];
        var only = settings.Methods;
        using var train = new TensorData(data.Train, device);
        using var test = new TensorData(data.Test, device);
        var methods = MethodServiceCollectionExtensions.BuiltIns().Where(x => only is null || only.Contains(x.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        // A flag applies to every method that has the hyperparameter; one that no selected method has is a typo.
        foreach (var name in settings.Hyperparameters.Keys)
            if (!methods.Any(m => m.Hyperparameters.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))))
                throw new ArgumentException($"--hp.{name}: none of the selected methods has a hyperparameter '{name}'.");
        var hyperparameters = methods.ToDictionary(m => m, m => MethodOptionsParser.Parse(m, arch.Id,
            settings.Hyperparameters.Where(kv => m.Hyperparameters.Any(h => h.Name.Equals(kv.Key, StringComparison.OrdinalIgnoreCase)))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase)));
        log.WriteLine($"{info.DisplayName}, {arch.Id}: forget classes {string.Join(",", classes)}; seeds {string.Join(",", seeds)}; threads {torch.get_num_threads()}");
        foreach (var (m, hp) in hyperparameters)
            log.WriteLine($"- {m.DisplayName}: {string.Join(" ", hp.Select(kv => $"{kv.Key}={kv.Value.ToString(CultureInfo.InvariantCulture)}"))}");
        log.WriteLine();
        log.WriteLine($"| forget class | seed | model | UA | RA | TUA | TRA | PS | RT (s) | MIA | MIA-R |");
        log.WriteLine($"|---|---|---|---|---|---|---|---|---|---|---|");
        var rows = new List<SweepRow>();
        var costs = new List<string>();
        foreach (var fc in classes)
        {
            var split = ForgetSplit.Create(data, fc);
            (double[] E, double[] C)? retrainedSignals = null;
            rows.Add(Row(log, fc, null, MethodSweepSummary.OriginalModel, Load(arch, info, Path.Combine(folder, manifest.Original!.File), device), train, test, null, split, null).Row);
            if (manifest.Retrained(fc) is { } r)
            {
                var (row, signals) = Row(log, fc, null, MethodSweepSummary.RetrainedModel, Load(arch, info, Path.Combine(folder, r.File), device), train, test, r.TrainSeconds, split, null);
                rows.Add(row);
                retrainedSignals = signals;
            }
            foreach (var seed in seeds)
                foreach (var (method, hp) in hyperparameters)
                {
                    var model = Load(arch, info, Path.Combine(folder, manifest.Original!.File), device);
                    Trainer.Seed(seed);
                    var ctx = new UnlearningContext(model, () => arch.Create(info), train, test, split, device, seed, hp);
                    var result = method.Run(ctx, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None);
                    rows.Add(Row(log, fc, seed, method.DisplayName, model, train, test, result.RunTimeSeconds, split, retrainedSignals).Row);
                    if (settings.TrackEpochMetrics)
                        costs.Add(TrackedRun(fc, seed, method, hp, result.RunTimeSeconds, split, retrainedSignals));
                }
        }
        if (costs.Count > 0)
        {
            log.WriteLine();
            log.WriteLine("Per-epoch metrics (--track-epoch-metrics): the same runs again with tracking on; its time is outside RT.");
            log.WriteLine("Epoch 0 = the record before training, with the shadow attack's fit; per epoch = the mean of the records after epochs 1..N.");
            log.WriteLine();
            log.WriteLine("| forget class | seed | method | epochs | RT untracked (s) | RT tracked (s) | epoch 0 (s) | per epoch (s) | UA by epoch | PS by epoch |");
            log.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var c in costs) log.WriteLine(c);
        }
        if (classes.Count * seeds.Count > 1)
        {
            log.WriteLine();
            log.WriteLine($"Mean ± sample std over {classes.Count} forget class(es) × {seeds.Count} seed(s) (baselines: over the classes):");
            log.WriteLine();
            MethodSweepSummary.Write(log, MethodSweepSummary.Summarise(rows));
        }
        return 0;

        // One run with an epoch-metrics tracker; the table row of its cost.
        string TrackedRun(int fc, long seed, IUnlearningMethod method, IReadOnlyDictionary<string, double> hp, double untrackedRt, ForgetSplit split,
            (double[] E, double[] C)? retrained)
        {
            using var model = Load(arch, info, Path.Combine(folder, manifest.Original!.File), device);
            Trainer.Seed(seed);
            var tracker = new EpochMetricsTracker(train, test, split, retrained?.E, retrained?.C, seed);
            var ctx = new UnlearningContext(model, () => arch.Create(info), train, test, split, device, seed, hp) { EpochObserver = tracker };
            var result = method.Run(ctx, new CallbackProgress<UnlearningProgress>(_ => { }), CancellationToken.None);
            var m = tracker.Metrics;
            string S(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";
            string perEpoch = m.Seconds.Count > 1 ? m.Seconds.Skip(1).Average().ToString("F2", CultureInfo.InvariantCulture) : "-";
            string epoch0 = m.Seconds.Count > 0 ? m.Seconds[0].ToString("F2", CultureInfo.InvariantCulture) : "-";
            return FormattableString.Invariant(
                $"| {fc} | {seed} | {method.DisplayName} | {m.Count - 1} | {untrackedRt:F1} | {result.RunTimeSeconds:F1} | {epoch0} | {perEpoch} | {string.Join(" ", m.UA.Select(S))} | {string.Join(" ", m.PS.Select(S))} |");
        }

        static Classifier Load(ArchitectureInfo arch, DatasetInfo info, string path, Device device)
        {
            var model = arch.Create(info);
            Checkpoint.Load(model, path);
            model.to(device);
            return model;
        }

        static (SweepRow Row, (double[] E, double[] C) Signals) Row(TextWriter log, int fc, long? seed, string name, Classifier model, TensorData train, TensorData test, double? rt,
            ForgetSplit split, (double[] E, double[] C)? retrained)
        {
            using (model)
            {
                var (_, accs) = Trainer.Accuracy(model, train);
                var (_, tAccs) = Trainer.Accuracy(model, test);
                // PS of the table: all forget-class train samples of this model against all of the Retrained model.
                var (e, c) = Signals(model, train, split.Forget);
                double? ps = retrained is { } r ? Unlearning.Core.Evaluation.Privacy.PrivacyScore.Compute(e, c, r.E, r.C) : null;
                // MIA and MIA-R as the evaluation stores them (docs/metrics.md): forget train vs forget-class test samples,
                // retain train vs the other classes' test samples, AUC of the true-class confidence.
                double? mia = Unlearning.Core.Evaluation.Privacy.MiaAuc.Auc(c, Signals(model, test, split.TestForget).Confidence);
                double? miaR = Unlearning.Core.Evaluation.Privacy.MiaAuc.Auc(Signals(model, train, split.Retain).Confidence, Signals(model, test, split.TestRetain).Confidence);
                var row = new SweepRow(name, fc, seed ?? 0, UnlearningAccuracy.UA(accs, fc), UnlearningAccuracy.RA(accs, fc),
                    UnlearningAccuracy.TUA(tAccs, fc), UnlearningAccuracy.TRA(tAccs, fc), ps, rt, mia, miaR);
                log.WriteLine(FormattableString.Invariant(
                    $"| {fc} | {(seed is long s ? s.ToString(CultureInfo.InvariantCulture) : "-")} | {name} | {row.Ua:F3} | {row.Ra:F3} | {row.Tua:F3} | {row.Tra:F3} | {Opt(ps)} | {(rt is double rts ? rts.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {Opt(mia)} | {Opt(miaR)} |"));
                log.Flush();
                return (row, (e, c));
            }
        }

        static string Opt(double? v) => v is double x ? x.ToString("F3", CultureInfo.InvariantCulture) : "-";

        // The MIA signals of the samples (docs/metrics.md, "MIA signals": entropy at T = 2, confidence at T = 1), in batches of
        // 1,000 without gradients.
        static (double[] Entropy, double[] Confidence) Signals(Classifier model, TensorData data, int[] indices)
        {
            var entropy = new List<double>(indices.Length);
            var confidence = new List<double>(indices.Length);
            model.eval();
            using var noGrad = torch.no_grad();
            foreach (var chunk in indices.Chunk(1000))
            {
                using var scope = torch.NewDisposeScope();
                var (x, _) = data.Batch([.. chunk.Select(i => (long)i)]);
                var (e, c) = Unlearning.Core.Evaluation.Privacy.MiaSignals.Compute(model.call(x));
                entropy.AddRange(e);
                confidence.AddRange(c);
            }
            return ([.. entropy], [.. confidence]);
        }
    }
}
