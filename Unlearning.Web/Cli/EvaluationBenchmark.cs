using System.Diagnostics;
using Unlearning.Core;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation;
using Unlearning.Core.Evaluation.Cka;
using Unlearning.Core.Evaluation.Embedding;
using Unlearning.Core.Models;
using Unlearning.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Unlearning.Web.Cli;

/// <summary>Evaluation-stage timings for the benchmark (see README, "Benchmark"): UMAP of 2,000 × d points and layer-wise CKA.</summary>
internal static class EvaluationBenchmark
{
    public static void Run(IReadOnlyList<ArchitectureInfo> archs, string dataRoot, int forgetClass, string? dumpFolder,
        DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log)
    {
        var dump = dumpFolder is null ? null : Directory.CreateDirectory(dumpFolder).FullName;
        RunUmap(log, dump);
        foreach (var arch in archs) RunCka(arch, test, device, log);
        foreach (var arch in archs) RunFullEvaluation(arch, dataRoot, forgetClass, data, train, test, device, log, dump);
    }

    /// <summary>
    /// The complete evaluation (docs/metrics.md) of one model with the shipped baselines of forget class --class
    /// (default 0): the Original and Retrained references are evaluated first (untimed), then the Original is
    /// evaluated again as an ordinary experiment against both references — the work every new model costs.
    /// </summary>
    internal static void RunFullEvaluation(ArchitectureInfo arch, string dataRoot, int fc, DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log, string? dump = null)
    {
        if (fc < 0 || fc >= data.Info.NumClasses) throw new ArgumentException($"--class {fc} is outside 0..{data.Info.NumClasses - 1}.");
        var folder = DataPaths.BaselineFolder(dataRoot, data.Info.Id, arch.Id);
        var manifest = BaselineManifest.TryLoad(folder);
        if (manifest?.Original is null || manifest.Retrained(fc) is null)
        {
            log.WriteLine($"full evaluation {arch.Id}: skipped (no Original + Retrained class {fc} baselines in {folder})");
            return;
        }
        using var original = arch.Create(data.Info);
        using var retrained = arch.Create(data.Info);
        Checkpoint.Load(original, Path.Combine(folder, manifest.Original.File));
        Checkpoint.Load(retrained, Path.Combine(folder, manifest.Retrained(fc)!.File));
        original.to(device).eval();
        retrained.to(device).eval();
        var split = ForgetSplit.Create(data, fc);
        var subset = FixedSubset.Select(data.Train.Labels, data.Info.NumClasses);
        using var cache = new ReferenceGramCache();
        var evaluator = new Evaluator { GramCache = cache };
        var o0 = evaluator.Evaluate(new EvaluationInput(original, train, test, split, subset, original, retrained, null, null, false, RetrainedCacheKey: "retrained"));
        var r0 = evaluator.Evaluate(new EvaluationInput(retrained, train, test, split, subset, original, null, null, o0.Results, true, OriginalCacheKey: "original"));
        EvaluationOutput e = o0;
        foreach (var cached in new[] { false, true })
        {
            var clock = Stopwatch.StartNew();
            e = (cached ? evaluator : new Evaluator()).Evaluate(new EvaluationInput(original, train, test, split, subset, original, retrained, r0.Results, o0.Results, false,
                OriginalCacheKey: "original", RetrainedCacheKey: "retrained"));
            var total = clock.Elapsed.TotalSeconds;
            log.WriteLine($"full evaluation {arch.Id} (forget class {fc}, reference Gram matrices {(cached ? "cached, as for every model after the first of a class" : "computed")}): {total:F1} s total; " +
                string.Join("; ", e.Results.StageSeconds.Select(kv => $"{kv.Key} {kv.Value:F2} s")));
        }
        log.WriteLine($"  {(data.Train.Count + data.Test.Count) / (e.Results.StageSeconds[Evaluator.Stages[0]] + e.Results.StageSeconds[Evaluator.Stages[1]]):N0} img/s in the accuracy passes; " +
            $"Original vs Retrained: UA {e.UA:F3} RA {e.RA:F3} TUA {e.TUA:F3} TRA {e.TRA:F3} PS {e.PS:F3}; Retrained UA {r0.UA:F3} TRA {r0.TRA:F3}");
        var features = Enumerable.Range(0, subset.Length).Select(i => e.Features[(i * e.FeatureDim)..((i + 1) * e.FeatureDim)]).ToArray();
        var umapClock = Stopwatch.StartNew();
        var embedding = Umap.Embed(features, evaluator.Umap);
        log.WriteLine($"  UMAP of the real subset features (2000x{e.FeatureDim}): {umapClock.Elapsed.TotalSeconds:F2} s, trustworthiness(k=10) {Trustworthiness.Compute(features, embedding, 10):F4}");
        if (dump is not null) Dump(dump, $"subset-{arch.Id}", features, embedding, log);
    }

    /// <summary>Goals of the evaluation (docs/architecture.md, "Caches"): seconds per model with cached and with computed reference Gram matrices, and resident memory.</summary>
    internal const double CachedGoalSeconds = 5, UncachedGoalSeconds = 7, RssGoalGB = 2.5;

    /// <summary>
    /// <c>benchmark --evaluation-only</c>: the full evaluation of the shipped Original against the Original and Retrained
    /// baselines of --class, in alternating rounds (computed references, then cached), each part's median time, the CKA
    /// matrices against a straightforward float64 computation, resident memory, and each goal beside its target.
    /// </summary>
    internal static void RunEvaluationGoals(ArchitectureInfo arch, string dataRoot, int fc, DatasetSplits data, TensorData train, TensorData test, Device device,
        TextWriter log, int rounds, bool allClasses, long gramCacheMB)
    {
        if (fc < 0 || fc >= data.Info.NumClasses) throw new ArgumentException($"--class {fc} is outside 0..{data.Info.NumClasses - 1}.");
        var folder = DataPaths.BaselineFolder(dataRoot, data.Info.Id, arch.Id);
        var manifest = BaselineManifest.TryLoad(folder);
        if (manifest?.Original is null || manifest.Retrained(fc) is null)
        {
            log.WriteLine($"evaluation {arch.Id}: skipped (no Original + Retrained class {fc} baselines in {folder})");
            return;
        }
        using var original = LoadBaseline(arch, data.Info, folder, manifest.Original.File, device);
        using var retrained = LoadBaseline(arch, data.Info, folder, manifest.Retrained(fc)!.File, device);
        var split = ForgetSplit.Create(data, fc);
        var subset = FixedSubset.Select(data.Train.Labels, data.Info.NumClasses);
        using var cache = new ReferenceGramCache(gramCacheMB * 1024 * 1024);
        var cached = new Evaluator { GramCache = cache };
        // The baselines first, as the app evaluates them (untimed): their Gram matrices fill the cache under their own keys.
        var o0 = cached.Evaluate(new EvaluationInput(original, train, test, split, subset, original, retrained, null, null, false, RetrainedCacheKey: "retrained", OwnCacheKey: "original"));
        var r0 = cached.Evaluate(new EvaluationInput(retrained, train, test, split, subset, original, null, null, o0.Results, true, OriginalCacheKey: "original", OwnCacheKey: "retrained"));
        EvaluationInput Input() => new(original, train, test, split, subset, original, retrained, r0.Results, o0.Results, false,
            OriginalCacheKey: "original", RetrainedCacheKey: "retrained");

        var runs = new Dictionary<bool, List<(double Total, double Cpu, EvaluationOutput Output)>> { [false] = [], [true] = [] };
        for (int round = 0; round < rounds; round++)
            foreach (bool withCache in new[] { false, true })
            {
                var cpu = CpuSeconds();
                var clock = Stopwatch.StartNew();
                var output = (withCache ? cached : new Evaluator()).Evaluate(Input());
                runs[withCache].Add((clock.Elapsed.TotalSeconds, CpuSeconds() - cpu, output));
            }
        log.WriteLine($"evaluation {arch.Id}, forget class {fc}: the shipped Original against the Original and Retrained baselines, {rounds} alternating rounds " +
                      $"(median, range); {get_num_threads()} threads; machine load {LoadAverage()}");
        log.WriteLine($"  {"part",-32} {"computed refs",22} {"cached refs",22}");
        foreach (var part in EvaluationProfile.Parts)
            log.WriteLine($"  {part,-32} {Spread(runs[false].Select(r => r.Output.Profile.GetValueOrDefault(part))),22} {Spread(runs[true].Select(r => r.Output.Profile.GetValueOrDefault(part))),22}");
        log.WriteLine($"  {"total",-32} {Spread(runs[false].Select(r => r.Total)),22} {Spread(runs[true].Select(r => r.Total)),22}");
        // On a shared machine the wall clock measures the other processes too; the process's CPU time does much less so.
        log.WriteLine($"  {"process CPU time (all threads)",-32} {Spread(runs[false].Select(r => r.Cpu)),22} {Spread(runs[true].Select(r => r.Cpu)),22}");
        var e = runs[true][^1].Output;
        var u = runs[false][^1].Output;
        bool same = (e.UA, e.RA, e.TUA, e.TRA) == (u.UA, u.RA, u.TUA, u.TRA) && (e.UA, e.RA, e.TUA, e.TRA) == (o0.UA, o0.RA, o0.TUA, o0.TRA);
        log.WriteLine($"  Original: UA {e.UA:F6} RA {e.RA:F6} TUA {e.TUA:F6} TRA {e.TRA:F6} (identical in every run: {same}); PS {e.PS:F4}; " +
                      $"MIA {e.Results.ForgetTestMia:F4} MIA-R {e.Results.RetainTestMia:F4}");
        var ckaError = CkaAgainstReference(original, retrained, train, test, split, e.Results.CkaRetrain!, log);
        Unlearning.Core.Caching.NativeHeap.Trim();
        long rss = CurrentRss();
        log.WriteLine($"  reference Gram cache: {cache.Bytes / 1048576.0:F0} MB held of {gramCacheMB} MB, {cache.Count} references, {cache.Evictions} evictions; resident {rss / 1e9:F2} GB");
        cache.Dispose(); // the all-classes run below starts from an empty cache of its own

        double? rssAll = null;
        if (allClasses) rssAll = AllClasses(arch, data, train, test, device, log, folder, manifest, subset, gramCacheMB);

        log.WriteLine("goals (docs/architecture.md, \"Caches\"; figure | target):");
        Goal(log, "full evaluation, cached reference Grams", Median(runs[true].Select(r => r.Total)), CachedGoalSeconds, "s");
        Goal(log, "full evaluation, computed reference Grams", Median(runs[false].Select(r => r.Total)), UncachedGoalSeconds, "s");
        Goal(log, "CKA max |fast − float64 reference| per entry", ckaError, 0.005, "");
        if (rssAll is { } r) Goal(log, "resident memory after all ten classes", r, RssGoalGB, "GB");
        else log.WriteLine($"  {"resident memory after one class",-48} {rss / 1e9,8:F2} GB | ≤ {RssGoalGB} GB after all ten classes (run with --all-classes)");
    }

    private static Classifier LoadBaseline(ArchitectureInfo arch, DatasetInfo info, string folder, string file, Device device)
    {
        var model = arch.Create(info);
        Checkpoint.Load(model, Path.Combine(folder, file));
        model.to(device).eval();
        return model;
    }

    /// <summary>The Original and Retrained baselines of every class evaluated through one Gram cache; returns the resident memory in GB.</summary>
    private static double AllClasses(ArchitectureInfo arch, DatasetSplits data, TensorData train, TensorData test, Device device, TextWriter log,
        string folder, BaselineManifest manifest, int[] subset, long gramCacheMB)
    {
        using var original = LoadBaseline(arch, data.Info, folder, manifest.Original!.File, device);
        using var cache = new ReferenceGramCache(gramCacheMB * 1024 * 1024);
        var evaluator = new Evaluator { GramCache = cache };
        var clock = Stopwatch.StartNew();
        int evaluated = 0;
        for (int c = 0; c < data.Info.NumClasses; c++)
        {
            if (manifest.Retrained(c) is not { } entry) continue;
            using var retrained = LoadBaseline(arch, data.Info, folder, entry.File, device);
            var split = ForgetSplit.Create(data, c);
            var o = evaluator.Evaluate(new EvaluationInput(original, train, test, split, subset, original, null, null, null, false, OwnCacheKey: $"original-{c}"));
            evaluator.Evaluate(new EvaluationInput(retrained, train, test, split, subset, original, null, null, o.Results, true, OriginalCacheKey: $"original-{c}", OwnCacheKey: $"retrained-{c}"));
            evaluated += 2;
            log.WriteLine($"  class {c}: resident {CurrentRss() / 1e9:F2} GB, managed heap {GC.GetTotalMemory(false) / 1e9:F2} GB, Gram cache {cache.Bytes / 1048576.0:F0} MB ({cache.Evictions} evictions)");
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Unlearning.Core.Caching.NativeHeap.Trim();
        double gb = CurrentRss() / 1e9;
        log.WriteLine($"  all classes: {evaluated} baseline evaluations in {clock.Elapsed.TotalSeconds:F0} s; steady-state resident memory {gb:F2} GB " +
                      $"(peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1e9:F2} GB)");
        return gb;
    }

    /// <summary>
    /// The stored CKA against the Retrained model recomputed the straightforward way: float64 activations and Gram
    /// matrices, the docs formula per pair and batch (<see cref="MinibatchCka.Hsic1(Tensor, Tensor)"/>); returns the largest entry difference.
    /// </summary>
    private static double CkaAgainstReference(Classifier model, Classifier reference, TensorData train, TensorData test, ForgetSplit s, CkaResult stored, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        (TensorData Data, int[] Indices, double[][] Stored, string Name)[] sets =
        [
            (train, s.Forget[..(s.Forget.Length / 10)], stored.Train.ForgetClass, "train forget"),
            (train, s.Retain[..(s.Retain.Length / 10)], stored.Train.OtherClasses, "train other"),
            (test, s.TestForget[..(s.TestForget.Length / 2)], stored.Test.ForgetClass, "test forget"),
            (test, s.TestRetain[..(s.TestRetain.Length / 2)], stored.Test.OtherClasses, "test other"),
        ];
        double worst = 0;
        string where = "";
        using var noGrad = no_grad();
        foreach (var (data, indices, matrix, name) in sets)
        {
            int la = reference.LayerNames.Count, lb = model.LayerNames.Count;
            var kl = new double[la, lb];
            var kk = new double[la];
            var ll = new double[lb];
            foreach (var batch in TensorData.Plan(indices, 1000, null))
            {
                if (batch.Length <= 3) continue;
                using var scope = NewDisposeScope();
                var (x, _) = data.Batch(batch);
                Tensor Gram(Tensor t) { var f = t.to(ScalarType.Float64); return f.matmul(f.t()); }
                var ka = reference.ForwardLayers(x).Select(Gram).ToArray();
                var kb = model.ForwardLayers(x).Select(Gram).ToArray();
                for (int i = 0; i < la; i++) kk[i] += MinibatchCka.Hsic1(ka[i], ka[i]);
                for (int j = 0; j < lb; j++) ll[j] += MinibatchCka.Hsic1(kb[j], kb[j]);
                for (int i = 0; i < la; i++)
                    for (int j = 0; j < lb; j++) kl[i, j] += MinibatchCka.Hsic1(ka[i], kb[j]);
            }
            for (int i = 0; i < la; i++)
                for (int j = 0; j < lb; j++)
                {
                    double product = kk[i] * ll[j];
                    double expected = Math.Clamp(kl[i, j] / (product > 0 ? Math.Sqrt(product) : 1e-6), 0, 1);
                    double error = Math.Abs(expected - matrix[i][j]);
                    if (error > worst) (worst, where) = (error, $"{name} [{reference.LayerNames[i]}, {model.LayerNames[j]}]");
                }
        }
        log.WriteLine($"  CKA against the Retrained model, all 4 × {reference.LayerNames.Count}×{model.LayerNames.Count} entries vs float64 reference: " +
                      $"max |Δ| {worst:E2} at {where} (reference took {clock.Elapsed.TotalSeconds:F1} s)");
        return worst;
    }

    /// <summary>One goal line of the benchmarks: the figure beside its target (lower is better) and whether it is met.</summary>
    internal static void Goal(TextWriter log, string name, double figure, double target, string unit) =>
        log.WriteLine($"  {name,-48} {figure,8:G3} {unit,-2} | ≤ {target} {unit}  {(figure <= target ? "met" : "NOT met")}");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Spread(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{Median(list):F2} s ({list.Min():F2}–{list.Max():F2})";
    }

    private static double CpuSeconds()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Resident set size of this process (bytes), read fresh.</summary>
    private static long CurrentRss()
    {
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    /// <summary>UMAP (default options) of 10 Gaussian clusters, 2,000 × 64 and 2,000 × 512, with trustworthiness (k = 10).</summary>
    internal static void RunUmap(TextWriter log, string? dump = null)
    {
        foreach (int dim in new[] { 64, 512 })
        {
            var points = GaussianClusters(2000, dim, 10, seed: 7);
            Umap.Embed(points.Take(200).ToArray()); // warm-up (JIT)
            var clock = Stopwatch.StartNew();
            var embedding = Umap.Embed(points, new UmapOptions { StageTimings = line => log.WriteLine($"  UMAP stages: {line}") });
            double seconds = clock.Elapsed.TotalSeconds;
            double trust = Trustworthiness.Compute(points, embedding, 10);
            log.WriteLine($"UMAP 2000x{dim}: {seconds:F2} s, trustworthiness(k=10) {trust:F4}");
            if (dump is not null) Dump(dump, $"clusters-{dim}", points, embedding, log);
        }
    }

    /// <summary>
    /// Writes the UMAP input (<c>NAME.features.csv</c>) and our embedding (<c>NAME.umap.csv</c>) for an outside
    /// comparison, e.g. <c>tools/umap_compare.py</c> with umap-learn and scikit-learn's trustworthiness.
    /// </summary>
    private static void Dump(string folder, string name, float[][] features, double[,] embedding, TextWriter log)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        File.WriteAllLines(Path.Combine(folder, name + ".features.csv"), features.Select(row => string.Join(',', row.Select(v => v.ToString("R", inv)))));
        File.WriteAllLines(Path.Combine(folder, name + ".umap.csv"),
            Enumerable.Range(0, embedding.GetLength(0)).Select(i => $"{embedding[i, 0].ToString("R", inv)},{embedding[i, 1].ToString("R", inv)}"));
        log.WriteLine($"  wrote {name}.features.csv and {name}.umap.csv to {folder}");
    }

    /// <summary>CKA of all layer pairs of two freshly initialised models on one batch of 1,000 test images.</summary>
    internal static void RunCka(ArchitectureInfo arch, TensorData test, Device device, TextWriter log)
    {
        Trainer.Seed(1);
        using var first = arch.Create(test.Info);
        using var second = arch.Create(test.Info);
        first.to(device).eval();
        second.to(device).eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (x, _) = test.Batch(Enumerable.Range(0, Math.Min(1000, test.Count)).Select(i => (long)i).ToArray());
        var layersA = first.ForwardLayers(x);
        var layersB = second.ForwardLayers(x);
        var widths = string.Join("/", layersA.Select(t => t.shape[1]));
        new MinibatchCka(layersA.Count, layersB.Count).Add(layersA, layersB); // warm-up
        foreach (var gramType in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var clock = Stopwatch.StartNew();
            var cka = new MinibatchCka(layersA.Count, layersB.Count, gramType);
            cka.Add(layersA, layersB);
            var result = cka.Result();
            double seconds = clock.Elapsed.TotalSeconds;
            double diagonal = Enumerable.Range(0, Math.Min(layersA.Count, layersB.Count)).Average(i => result[i, i]);
            log.WriteLine($"CKA {arch.Id} ({gramType} Gram): {layersA.Count}x{layersB.Count} layer pairs, 1 batch of {x.shape[0]} (widths {widths}): {seconds:F2} s, mean diagonal {diagonal:F3}");
        }
    }

    /// <summary>n points in <paramref name="dim"/>-D around <paramref name="clusters"/> centres (centre spread 3, unit noise).</summary>
    internal static float[][] GaussianClusters(int n, int dim, int clusters, int seed)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dim).Select(_ => 3 * Gauss()).ToArray()).ToArray();
        return Enumerable.Range(0, n).Select(i => centres[i % clusters].Select(c => (float)(c + Gauss())).ToArray()).ToArray();
    }
}
