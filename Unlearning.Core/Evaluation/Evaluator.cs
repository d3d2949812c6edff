using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation;

/// <summary>What the evaluation of one model needs (REFERENCE §4).</summary>
public sealed record EvaluationInput(
    Classifier Model,
    TensorData Train,
    TensorData Test,
    ForgetSplit Split,
    /// <summary>The fixed 2,000-sample subset (REFERENCE §4.9).</summary>
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
    string? RetrainedCacheKey = null);

/// <summary>The scalars of the table plus the results document and the subset's penultimate features.</summary>
public sealed record EvaluationOutput(ExperimentResults Results, double UA, double RA, double TUA, double TRA, double? PS, float[] Features, int FeatureDim);

/// <summary>Progress of one evaluation stage (fraction 0..1 within the stage).</summary>
public sealed record EvaluationProgress(string Stage, int StageIndex, int StageCount, double Fraction);

/// <summary>
/// The shared evaluation pipeline (REFERENCE §4 with the differences of SPEC §5), run on the job worker's
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
        input.Model.eval();

        // 1–2: per-class accuracy and distributions; the train pass also yields the forget-class signals.
        var train = ClassPass(input.Model, input.Train, 0, progress, cancellation, input.Split.Forget, out var forgetSignals);
        results.Accs = train.Accuracy();
        results.LabelDist = train.LabelDistribution();
        results.ConfDist = train.ConfidenceDistribution();
        results.ForgetEntropy = forgetSignals.Entropy;
        results.ForgetConfidence = forgetSignals.Confidence;
        results.StageSeconds[Stages[0]] = Lap(clock);

        var test = ClassPass(input.Model, input.Test, 1, progress, cancellation, null, out _);
        results.TAccs = test.Accuracy();
        results.TLabelDist = test.LabelDistribution();
        results.TConfDist = test.ConfidenceDistribution();
        results.StageSeconds[Stages[1]] = Lap(clock);

        var (features, dim) = SubsetStage(input, results, progress, cancellation);
        results.StageSeconds[Stages[2]] = Lap(clock);

        double? ps = PrivacyStage(input, results);
        results.StageSeconds[Stages[3]] = Lap(clock);

        CkaStage(input, results, progress, cancellation);
        results.StageSeconds[Stages[4]] = Lap(clock);
        results.FeatureDim = dim;

        return new EvaluationOutput(results,
            UnlearningAccuracy.UA(results.Accs, fc), UnlearningAccuracy.RA(results.Accs, fc),
            UnlearningAccuracy.TUA(results.TAccs, fc), UnlearningAccuracy.TRA(results.TAccs, fc),
            ps, features, dim);
    }

    private static double Lap(Stopwatch clock)
    {
        var s = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return Math.Round(s, 3);
    }

    internal sealed record Signals(double[] Entropy, double[] Confidence);

    /// <summary>One pass over a whole split: class metrics at T = 1; for <paramref name="signalIndices"/> also entropy (T = 2) and confidence (T = 1).</summary>
    private ClassMetricsAccumulator ClassPass(Classifier model, TensorData data, int stageIndex, IProgress<EvaluationProgress>? progress,
        CancellationToken cancellation, int[]? signalIndices, out Signals signals)
    {
        var acc = new ClassMetricsAccumulator(data.Info.NumClasses);
        var plan = TensorData.Plan(Enumerable.Range(0, data.Count).ToArray(), BatchSize, null);
        var wanted = signalIndices is null ? null : new HashSet<int>(signalIndices);
        var entropy = new Dictionary<int, double>();
        var confidence = new Dictionary<int, double>();
        using var noGrad = no_grad();
        for (int b = 0; b < plan.Length; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, y) = data.Batch(plan[b]);
            var logits = model.call(x);
            var probs = nn.functional.softmax(logits, 1);
            var pred = logits.argmax(1);
            acc.Add(y.to(CPU).data<long>().ToArray(), pred.to(CPU).data<long>().ToArray(), probs.to(CPU).data<float>().ToArray());
            if (wanted is not null)
            {
                var rows = plan[b].Select((idx, row) => (idx, row)).Where(t => wanted.Contains((int)t.idx)).ToArray();
                if (rows.Length > 0)
                {
                    var sel = logits.index_select(0, tensor(rows.Select(r => (long)r.row).ToArray(), device: logits.device));
                    var (e, c) = Privacy.MiaSignals.Compute(sel);
                    for (int i = 0; i < rows.Length; i++) { entropy[(int)rows[i].idx] = e[i]; confidence[(int)rows[i].idx] = c[i]; }
                }
            }
            progress?.Report(new EvaluationProgress(Stages[stageIndex], stageIndex, Stages.Length, (b + 1.0) / plan.Length));
        }
        signals = signalIndices is null
            ? new Signals([], [])
            : new Signals([.. signalIndices.Select(i => entropy[i])], [.. signalIndices.Select(i => confidence[i])]);
        return acc;
    }
}
