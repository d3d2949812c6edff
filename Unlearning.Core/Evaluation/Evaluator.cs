using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation;

/// <summary>What the evaluation of one model needs (docs/metrics.md).</summary>
public sealed record EvaluationInput(
    Classifier Model,
    TensorData Train,
    TensorData Test,
    ForgetSplit Split,
    /// <summary>The fixed 2,000-sample subset (docs/metrics.md, "Fixed subset (points)").</summary>
    int[] Subset,
    /// <summary>Reference models for CKA; null when the evaluated model is that reference itself or it is missing.</summary>
    Classifier? Original,
    Classifier? Retrained,
    /// <summary>The Retrained model's stored results (its forget-set signals and subset attack values); null when evaluating the Retrained model itself or when it is missing.</summary>
    ExperimentResults? RetrainedResults,
    /// <summary>The Original model's stored subset embedding, for Procrustes alignment; null when evaluating the Original itself.</summary>
    ExperimentResults? OriginalResults,
    bool IsRetrained,
    long Seed = 42,
    /// <summary>Identity of the reference models for the Gram cache (e.g. experiment id + checkpoint time); null = no caching.</summary>
    string? OriginalCacheKey = null,
    string? RetrainedCacheKey = null,
    /// <summary>The evaluated model's own key when it is itself a reference (a baseline): its Gram matrices are then cached for the models that follow.</summary>
    string? OwnCacheKey = null);

/// <summary>The scalars of the table plus the results document and the subset's penultimate features.</summary>
/// <remarks>For a sample forget set TUA is null and TRA is the accuracy on the whole test set (docs/forget-sets.md, "Metrics per kind").</remarks>
public sealed record EvaluationOutput(ExperimentResults Results, double UA, double RA, double? TUA, double TRA, double? PS, float[] Features, int FeatureDim)
{
    /// <summary>Seconds of the evaluation's parts, finer than the stored stage times (<see cref="EvaluationProfile"/>; for the benchmark, not stored).</summary>
    public IReadOnlyDictionary<string, double> Profile { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// Wall-clock seconds of the parts of one evaluation (the <c>benchmark</c> verb prints them): the parts of
/// <see cref="Parts"/>, each summed over the evaluation. Not thread-safe (one evaluation, one thread).
/// </summary>
public sealed class EvaluationProfile
{
    public const string TrainPass = "train pass";
    public const string TestPass = "test pass";
    public const string MiaSignals = "MIA signals";
    public const string MiaRetain = "MIA-R (retain AUC)";
    public const string CkaForward = "CKA reference forward";
    public const string CkaGram = "CKA Gram + U-centring";
    public const string CkaHsic = "CKA HSIC";
    public const string Subset = "subset outputs";
    public const string Embedding = "embedding (UMAP + Procrustes)";
    public const string Privacy = "privacy curves + PS";

    /// <summary>The parts in pipeline order. MIA signals are part of the two passes (their share is also listed).</summary>
    public static readonly string[] Parts = [TrainPass, TestPass, MiaSignals, MiaRetain, CkaForward, CkaGram, CkaHsic, Subset, Embedding, Privacy];

    private readonly Dictionary<string, double> _seconds = [];

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    public void Add(string part, double seconds) => _seconds[part] = _seconds.GetValueOrDefault(part) + seconds;

    /// <summary>Runs <paramref name="work"/> and adds its seconds to <paramref name="part"/>.</summary>
    public T Time<T>(string part, Func<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        try { return work(); }
        finally { Add(part, Stopwatch.GetElapsedTime(start).TotalSeconds); }
    }

    public void Time(string part, Action work) => Time(part, () => { work(); return 0; });
}

/// <summary>Progress of one evaluation stage (fraction 0..1 within the stage).</summary>
public sealed record EvaluationProgress(string Stage, int StageIndex, int StageCount, double Fraction);

/// <summary>
/// The shared evaluation pipeline (docs/metrics.md, with the differences it marks), run on the job worker's
/// thread. Every batch runs in its own dispose scope.
/// </summary>
public sealed partial class Evaluator
{
    public static readonly string[] Stages = ["Evaluating Train Set", "Evaluating Test Set", "Computing UMAP", "Calculating Privacy", "Calculating CKA Similarity"];

    public int BatchSize { get; init; } = 500;

    public EvaluationOutput Evaluate(EvaluationInput input, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default)
    {
        var results = new ExperimentResults();
        var clock = Stopwatch.StartNew();
        int fc = input.Split.ForgetClass;
        // Batch norms folded into their convolutions where the architecture can (docs/architecture.md, "Inference passes").
        using var model = input.Model.ForInference();
        // The CKA samples are part of the train and test passes (one forward per image gives its logits and its
        // layer activations); the Gram/HSIC work on them is timed separately and reported as the CKA stage.
        var profile = new EvaluationProfile();
        using var cka = CkaCollector.Create(this, input, profile);
        var subset = new SubsetCapture(input.Subset, input.Train.Info.NumClasses);

        // 1–2: per-class accuracy and distributions; the train pass also yields the forget-class signals and the subset's logits/features.
        var train = ClassPass(model, input.Train, 0, progress, cancellation, input.Split.Forget, cka?.TrainSets ?? [], cka, subset,
            input.Split.Retain, profile, out var forgetSignals, out var retainConfidence);
        results.Accs = train.Accuracy();
        results.LabelDist = train.LabelDistribution();
        results.ConfDist = train.ConfidenceDistribution();
        results.ForgetEntropy = forgetSignals.Entropy;
        results.ForgetConfidence = forgetSignals.Confidence;
        results.StageSeconds[Stages[0]] = Lap(clock, cka);
        profile.Add(EvaluationProfile.TrainPass, results.StageSeconds[Stages[0]]);

        // The test samples the forget samples are compared with (docs/metrics.md, "MIA against the test set"): the forget
        // class's for a class set, the whole test set for a sample set.
        var testReference = input.Split.IsClassWise ? input.Split.TestForget : input.Split.TestRetain;
        var test = ClassPass(model, input.Test, 1, progress, cancellation, testReference, cka?.TestSets ?? [], cka, null,
            input.Split.IsClassWise ? input.Split.TestRetain : null, profile, out var testSignals, out var testRetainConfidence);
        results.ForgetTestMia = Privacy.MiaAuc.Auc(results.ForgetConfidence, testSignals.Confidence);
        // Privacy of retained data (docs/metrics.md, "Privacy of retained data"): retain train samples against the test
        // samples outside the forget set (for a sample set, the whole test set, which testReference already is).
        results.RetainTestMia = profile.Time(EvaluationProfile.MiaRetain,
            () => Privacy.MiaAuc.Auc(retainConfidence, input.Split.IsClassWise ? testRetainConfidence : testSignals.Confidence));
        results.TAccs = test.Accuracy();
        results.TLabelDist = test.LabelDistribution();
        results.TConfDist = test.ConfidenceDistribution();
        results.StageSeconds[Stages[1]] = Lap(clock, cka);
        profile.Add(EvaluationProfile.TestPass, results.StageSeconds[Stages[1]]);

        var (features, dim) = SubsetStage(input, results, subset, profile, progress, cancellation);
        results.StageSeconds[Stages[2]] = Lap(clock, null);

        double? ps = profile.Time(EvaluationProfile.Privacy, () => PrivacyStage(input, results));
        results.StageSeconds[Stages[3]] = Lap(clock, null);

        if (cka is not null)
        {
            var spent = cka.Seconds;
            cka.Store(results);
            progress?.Report(new EvaluationProgress(Stages[4], 4, Stages.Length, 1));
            results.StageSeconds[Stages[4]] = Math.Round(spent + clock.Elapsed.TotalSeconds, 3);
        }
        else results.StageSeconds[Stages[4]] = 0;
        results.FeatureDim = dim;
        // The evaluation's temporaries (Gram matrices, activations) are freed by now; hand their pages back.
        Caching.NativeHeap.Trim();

        if (!input.Split.IsClassWise)
        {
            // Sample forget sets (docs/forget-sets.md, "Metrics per kind"): UA on the forget samples, RA on the remaining
            // train samples (sample-weighted), TA on the whole test set in the TRA column, no TUA.
            var (ua, ra, tra) = UnlearningAccuracy.ForSampleSet(forgetSignals.Correct, input.Split.Forget.Length, train.Correct, train.Count,
                test.Correct, test.Count);
            return new EvaluationOutput(results, ua, ra, null, tra, ps, features, dim) { Profile = profile.Seconds };
        }
        return new EvaluationOutput(results,
            UnlearningAccuracy.UA(results.Accs, fc), UnlearningAccuracy.RA(results.Accs, fc),
            UnlearningAccuracy.TUA(results.TAccs, fc), UnlearningAccuracy.TRA(results.TAccs, fc),
            ps, features, dim) { Profile = profile.Seconds };
    }

    /// <summary>Seconds since the last lap, less the CKA work done meanwhile (reported as its own stage).</summary>
    private static double Lap(Stopwatch clock, CkaCollector? cka)
    {
        var s = clock.Elapsed.TotalSeconds - (cka?.TakeLap() ?? 0);
        clock.Restart();
        return Math.Round(Math.Max(0, s), 3);
    }

    /// <param name="Correct">How many of the signal samples the model classifies correctly.</param>
    internal sealed record Signals(double[] Entropy, double[] Confidence, int Correct);

    /// <summary>The batch's samples that <paramref name="wanted"/> picks: their sample indices, and their rows in the batch as an index tensor.</summary>
    private static (int[] Indices, Tensor Rows) RowsOf(long[] batch, Func<int, bool> wanted, Device device)
    {
        var picked = batch.Select((index, row) => (Index: (int)index, Row: (long)row)).Where(t => wanted(t.Index)).ToArray();
        return ([.. picked.Select(t => t.Index)], tensor(picked.Select(t => t.Row).ToArray(), device: device));
    }

    /// <summary>
    /// One pass over a whole split: class metrics at T = 1; for <paramref name="signalIndices"/> also entropy (T = 2)
    /// and confidence (T = 1); the samples of <paramref name="ckaSets"/> go first, in the CKA batches, through
    /// <see cref="InferencePass.ForwardAll"/>, which also feeds <paramref name="cka"/>; <paramref name="subset"/> keeps the
    /// logits and penultimate features of its samples.
    /// </summary>
    private ClassMetricsAccumulator ClassPass(InferencePass model, TensorData data, int stageIndex, IProgress<EvaluationProgress>? progress,
        CancellationToken cancellation, int[]? signalIndices, IReadOnlyList<(int Set, int[] Indices)> ckaSets, CkaCollector? cka,
        SubsetCapture? subset, out Signals signals) =>
        ClassPass(model, data, stageIndex, progress, cancellation, signalIndices, ckaSets, cka, subset, null, null, out signals, out _);

    /// <param name="confidenceIndices">Samples whose confidence alone is wanted too (in that order, in <paramref name="confidences"/>); they do not count in <see cref="Signals.Correct"/>.</param>
    private ClassMetricsAccumulator ClassPass(InferencePass model, TensorData data, int stageIndex, IProgress<EvaluationProgress>? progress,
        CancellationToken cancellation, int[]? signalIndices, IReadOnlyList<(int Set, int[] Indices)> ckaSets, CkaCollector? cka,
        SubsetCapture? subset, int[]? confidenceIndices, EvaluationProfile? profile, out Signals signals, out double[] confidences)
    {
        var acc = new ClassMetricsAccumulator(data.Info.NumClasses);
        var plan = new List<(long[] Batch, int CkaSet, int CkaBatch)>();
        var covered = new HashSet<int>();
        foreach (var (set, indices) in ckaSets)
        {
            var batches = TensorData.Plan(indices, CkaBatchSize, null);
            for (int bi = 0; bi < batches.Length; bi++) plan.Add((batches[bi], set, bi));
            covered.UnionWith(indices);
        }
        var rest = Enumerable.Range(0, data.Count).Where(i => !covered.Contains(i)).ToArray();
        plan.AddRange(TensorData.Plan(rest, BatchSize, null).Select(b => (b, -1, -1)));
        var counted = signalIndices is null ? null : new HashSet<int>(signalIndices);
        var wanted = signalIndices is null && confidenceIndices is null ? null : new HashSet<int>((signalIndices ?? []).Concat(confidenceIndices ?? []));
        var entropy = new Dictionary<int, double>();
        var confidence = new Dictionary<int, double>();
        int correct = 0;
        using var noGrad = no_grad();
        for (int b = 0; b < plan.Count; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (batch, ckaSet, ckaBatch) = plan[b];
            var (x, y) = data.Batch(batch);
            Tensor logits, features;
            if (ckaSet >= 0)
            {
                var (l, f, layers) = model.ForwardAll(x);
                (logits, features) = (l, f);
                cka!.Add(ckaSet, ckaBatch, x, layers);
            }
            else (logits, features) = model.ForwardWithFeatures(x);
            var probs = nn.functional.softmax(logits, 1);
            var pred = logits.argmax(1);
            var yArr = y.to(CPU).data<long>().ToArray();
            var predArr = pred.to(CPU).data<long>().ToArray();
            acc.Add(yArr, predArr, probs.to(CPU).data<float>().ToArray());
            if (counted is not null)
                for (int i = 0; i < batch.Length; i++)
                    if (yArr[i] == predArr[i] && counted.Contains((int)batch[i])) correct++;
            subset?.Take(batch, logits, features);
            if (wanted is not null)
            {
                long signalStart = Stopwatch.GetTimestamp();
                var (indices, rows) = RowsOf(batch, wanted.Contains, logits.device);
                if (indices.Length > 0)
                {
                    var (e, c) = Privacy.MiaSignals.Compute(logits.index_select(0, rows));
                    for (int i = 0; i < indices.Length; i++) { entropy[indices[i]] = e[i]; confidence[indices[i]] = c[i]; }
                }
                profile?.Add(EvaluationProfile.MiaSignals, Stopwatch.GetElapsedTime(signalStart).TotalSeconds);
            }
            progress?.Report(new EvaluationProgress(Stages[stageIndex], stageIndex, Stages.Length, (b + 1.0) / plan.Count));
        }
        signals = signalIndices is null
            ? new Signals([], [], 0)
            : new Signals([.. signalIndices.Select(i => entropy[i])], [.. signalIndices.Select(i => confidence[i])], correct);
        confidences = confidenceIndices is null ? [] : [.. confidenceIndices.Select(i => confidence[i])];
        return acc;
    }
}
