using System.Diagnostics;
using System.Text.Json;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Experiments.Results;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Experiments.Jobs;

/// <summary>The forgetting-quality job (docs/metrics.md, "Forgetting quality").</summary>
public sealed partial class JobRunner
{
    /// <summary>Where the per-example results of forgetting-quality evaluations live, under the app folder.</summary>
    public const string ForgettingQualityFolder = "forgetting-quality";

    /// <summary>
    /// Scores the group of <see cref="Job.BaseExperimentId"/> against the forget set's Retrained models: φ of every forget
    /// example under each of the K + K (and ceiling) models, F, the utility ratios, and the Retrained-vs-Retrained ceiling.
    /// Fails with the missing counts when either side has fewer than K Ready models (the planner queues them first).
    /// </summary>
    private string RunForgettingQuality(Job job, DatasetInfo info, ArchitectureInfo arch, TensorData train, Action<JobProgressUpdate> report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int k = ForgettingQualityJobs.GroupSizeOf(job);
        var run = store.Get(job.BaseExperimentId ?? throw new ArgumentException("A forgetting-quality job names a run of the group."))
            ?? throw new KeyNotFoundException($"Experiment '{job.BaseExperimentId}' does not exist.");
        var plan = ForgettingQualityPlan.For(run, store.List(info.Id, arch.Id, run.ForgetSetId), k, ForgettingQualityJobs.IncludesStale(job));
        if (plan.Unlearned.Count < k || plan.Retrained.Count < k)
            throw new InvalidOperationException(
                $"Forgetting quality with K = {k} needs {k} Ready runs on each side; the group has {plan.Unlearned.Count} and the forget set {plan.Retrained.Count} Retrained model(s). Queue the missing seeds first (the table's forgetting-quality action does).");
        var scenario = store.Scenario(info, run.ForgetSetId);
        var split = ForgetSplit.Create(datasets.Load(info), scenario);
        var unlearned = plan.Unlearned.Take(k).ToList();
        var retrained = plan.Retrained.Take(k).ToList();
        var ceiling = plan.CeilingGroups();
        var models = unlearned.Concat(retrained).Concat(ceiling?.A ?? []).Concat(ceiling?.B ?? []).DistinctBy(e => e.Id).ToList();
        var phi = new Dictionary<string, double[]>();
        for (int i = 0; i < models.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            double done = (double)i / models.Count;
            report(new JobProgressUpdate(JobStep.Evaluate, $"Forget-set statistics of model {i + 1} of {models.Count}", done, 0.9 * done));
            phi[models[i].Id] = ForgetStatistics(info, arch, models[i], train, split.Forget, ct);
        }
        report(new JobProgressUpdate(JobStep.Analyze, "Scoring forgetting quality", 0, 0.9));
        var result = ForgettingQuality.Score([.. unlearned.Select(e => phi[e.Id])], [.. retrained.Select(e => phi[e.Id])], ct);
        double? ceilingF = null;
        int? ceilingK = null;
        if (ceiling is { } groups)
        {
            report(new JobProgressUpdate(JobStep.Analyze, "Scoring the Retrained-vs-Retrained ceiling", 0.5, 0.95));
            ceilingF = ForgettingQuality.Score([.. groups.A.Select(e => phi[e.Id])], [.. groups.B.Select(e => phi[e.Id])], ct).F;
            ceilingK = groups.A.Count;
        }
        var (retainRatio, testRatio) = ForgettingQualityJobs.UtilityRatios(unlearned, retrained);

        var details = new ForgettingQualityDetails
        {
            K = k, ForgetIndexes = split.Forget, UnlearnedIds = [.. unlearned.Select(e => e.Id)], RetrainedIds = [.. retrained.Select(e => e.Id)],
            Epsilon = [.. result.Examples.Select(e => Math.Round(e.Epsilon, 6))],
            Points = [.. result.Examples.Select(e => e.Points)],
            Unlearned = [.. unlearned.Select(e => phi[e.Id].Select(v => Math.Round(v, 4)).ToArray())],
            Retrained = [.. retrained.Select(e => phi[e.Id].Select(v => Math.Round(v, 4)).ToArray())],
        };
        var folder = Path.Combine(store.Artifacts.AppFolder, ForgettingQualityFolder);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..30] + ".json");
        ct.ThrowIfCancellationRequested();
        ArtifactStore.WriteAllTextAtomic(path, JsonSerializer.Serialize(details));
        try
        {
            store.AddForgettingQuality(new ForgettingQualityRecord
            {
                Dataset = info.Id, Architecture = arch.Id, ForgetSetId = run.ForgetSetId, GroupKey = plan.GroupKey, Method = run.Method, K = k,
                F = result.F, Score = result.F * retainRatio * testRatio, RetainRatio = retainRatio, TestRatio = testRatio,
                CeilingF = ceilingF, CeilingK = ceilingK,
                UnlearnedIdsJson = JsonSerializer.Serialize(details.UnlearnedIds), RetrainedIdsJson = JsonSerializer.Serialize(details.RetrainedIds),
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), DetailsPath = store.Artifacts.Relative(path), CreatedUtc = DateTime.UtcNow,
            });
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        report(new JobProgressUpdate(JobStep.Analyze, "Done", 1, 1));
        return run.Id;
    }

    /// <summary>φ (<see cref="ForgettingQuality.LogitScaledConfidence"/>) of every forget example under one model, in the order of <paramref name="forget"/>.</summary>
    private double[] ForgetStatistics(DatasetInfo info, ArchitectureInfo arch, Experiment e, TensorData train, int[] forget, CancellationToken ct)
    {
        using var model = LoadModel(info, arch, store.ResolveCheckpoint(e));
        var phi = new double[forget.Length];
        using var noGrad = no_grad();
        const int batchSize = 500;
        for (int start = 0; start < forget.Length; start += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = forget[start..Math.Min(forget.Length, start + batchSize)].Select(i => (long)i).ToArray();
            var (x, y) = train.Batch(batch);
            var logits = model.call(x).to(ScalarType.Float32).to(CPU).contiguous();
            int classes = (int)logits.shape[1];
            var values = logits.data<float>().ToArray();
            var labels = y.to(CPU).data<long>().ToArray();
            for (int r = 0; r < batch.Length; r++)
                phi[start + r] = ForgettingQuality.LogitScaledConfidence(values.AsSpan(r * classes, classes), (int)labels[r]);
        }
        return phi;
    }
}

/// <summary>The per-example file of a forgetting-quality evaluation (docs/results-format.md, "Forgetting quality").</summary>
public sealed class ForgettingQualityDetails
{
    public int K { get; set; }
    /// <summary>Train indexes of the forget examples, the columns of every array below.</summary>
    public int[] ForgetIndexes { get; set; } = [];
    public string[] UnlearnedIds { get; set; } = [];
    public string[] RetrainedIds { get; set; } = [];
    public double[] Epsilon { get; set; } = [];
    public double[] Points { get; set; } = [];
    /// <summary>φ per unlearned model (rows) and forget example (columns), 4 decimals.</summary>
    public double[][] Unlearned { get; set; } = [];
    /// <summary>φ per Retrained model and forget example, 4 decimals.</summary>
    public double[][] Retrained { get; set; } = [];

    /// <summary>
    /// Whether a stored (so untrusted) file fits a result of group size <paramref name="k"/>: K rows of φ per side, every
    /// array as long as the forget set (not empty), and every ε and φ finite with ε ≥ 0. The one check that the service and
    /// the view both rely on, so a damaged file never reaches a chart.
    /// </summary>
    public bool IsConsistentWith(int k)
    {
        int n = ForgetIndexes?.Length ?? 0;
        if (k < 2 || K != k || n == 0 || Epsilon?.Length != n || Points?.Length != n
            || Unlearned?.Length != k || Retrained?.Length != k)
            return false;
        return Unlearned.Concat(Retrained).All(r => r is not null && r.Length == n && r.All(double.IsFinite))
               && Epsilon.All(e => double.IsFinite(e) && e >= 0);
    }
}

/// <summary>Shared rules of forgetting-quality jobs: K from the job, utility ratios.</summary>
public static class ForgettingQualityJobs
{
    /// <summary>The K a job carries in its hyperparameters as <c>k</c>.</summary>
    public static int GroupSizeOf(Job job)
    {
        return JobOptions.Hyperparameters(job.HyperparametersJson).TryGetValue("k", out var k) ? (int)k : ForgettingQualityPlan.DefaultK;
    }

    /// <summary>The job option (in its hyperparameters) that scores stale runs of the group too.</summary>
    public const string IncludeStaleKey = "include_stale";

    /// <summary>Whether the job scores stale runs with current ones (the user asked; docs/results-format.md, "Stale results").</summary>
    public static bool IncludesStale(Job job) =>
        JobOptions.Hyperparameters(job.HyperparametersJson).TryGetValue(IncludeStaleKey, out var v) && v != 0;

    /// <summary>
    /// RA / RA_R and TA / TA_R with means over each side (the challenge's utility adjustment). TA is the TRA column:
    /// test accuracy on the kept classes for a class set, on the whole test set for a sample set. 1 when a side lacks
    /// the value (so the score is F alone), never NaN.
    /// </summary>
    public static (double Retain, double Test) UtilityRatios(IReadOnlyList<Experiment> unlearned, IReadOnlyList<Experiment> retrained)
    {
        static double Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 && double.IsFinite(x) ? x / y : 1;
        return (Ratio(RunGroups.Stats(unlearned.Select(e => e.RA))?.Mean, RunGroups.Stats(retrained.Select(e => e.RA))?.Mean),
                Ratio(RunGroups.Stats(unlearned.Select(e => e.TRA))?.Mean, RunGroups.Stats(retrained.Select(e => e.TRA))?.Mean));
    }
}
