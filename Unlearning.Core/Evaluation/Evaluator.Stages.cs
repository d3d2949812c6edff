using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Cka;
using Unlearning.Core.Evaluation.Embedding;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation;

public sealed partial class Evaluator
{
    /// <summary>Softmax temperature of the subset's stored probabilities (REFERENCE §4.9).</summary>
    public const double SubsetTemperature = 2.0;

    /// <summary>UMAP parameters of SPEC §5 (n_neighbors 9, min_dist 0.45).</summary>
    public UmapOptions Umap { get; init; } = new();

    /// <summary>
    /// The fixed subset: penultimate features, predictions, T = 2 probabilities, the forget-class samples'
    /// attack values, a seeded UMAP aligned to the Original's embedding, and the subset attack curves.
    /// </summary>
    private (float[] Features, int Dim) SubsetStage(EvaluationInput input, ExperimentResults results, IProgress<EvaluationProgress>? progress, CancellationToken cancellation)
    {
        const int stage = 2;
        var data = input.Train;
        int n = input.Subset.Length, k = data.Info.NumClasses, fc = input.Split.ForgetClass;
        var plan = TensorData.Plan(input.Subset, 250, null);
        float[]? features = null;
        int dim = 0, offset = 0;
        var preds = new int[n];
        var probs = new double[n][];
        var entropy = new double[n];
        var confidence = new double[n];
        using (no_grad())
        {
            foreach (var batch in plan)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (x, _) = data.Batch(batch);
                var (logits, feats) = input.Model.ForwardWithFeatures(x);
                dim = (int)feats.shape[1];
                features ??= new float[n * dim];
                feats.to(CPU).data<float>().ToArray().CopyTo(features, offset * dim);
                var p = nn.functional.softmax(logits / SubsetTemperature, 1).to(ScalarType.Float64).to(CPU).data<double>().ToArray();
                var pr = logits.argmax(1).to(CPU).data<long>().ToArray();
                var (e, c) = MiaSignals.Compute(logits);
                for (int i = 0; i < batch.Length; i++)
                {
                    preds[offset + i] = (int)pr[i];
                    probs[offset + i] = p[(i * k)..((i + 1) * k)];
                    entropy[offset + i] = e[i];
                    confidence[offset + i] = c[i];
                }
                offset += batch.Length;
            }
        }
        progress?.Report(new EvaluationProgress(Stages[stage], stage, Stages.Length, 0.2));

        var embedding = Embedding.Umap.Embed(features!, n, dim, Umap with { Seed = (int)input.Seed }, cancellation);
        progress?.Report(new EvaluationProgress(Stages[stage], stage, Stages.Length, 0.9));
        if (input.OriginalResults is { Points.Count: > 0 } original && original.Points.Count == n)
        {
            var target = new double[n, 2];
            for (int i = 0; i < n; i++) { target[i, 0] = original.Points[i].X; target[i, 1] = original.Points[i].Y; }
            embedding = Procrustes.Align(embedding, target);
        }

        var labels = data.Set.Labels;
        results.Points = [.. Enumerable.Range(0, n).Select(i => new SubsetPoint
        {
            Gt = labels[input.Subset[i]], Pred = preds[i], Img = input.Subset[i], IsForget = labels[input.Subset[i]] == fc,
            X = embedding[i, 0], Y = embedding[i, 1], Probs = probs[i],
        })];

        var forgetRows = Enumerable.Range(0, n).Where(i => labels[input.Subset[i]] == fc).ToArray();
        results.Attack = new AttackData { Values = [.. forgetRows.Select(i => new AttackValue(input.Subset[i], entropy[i], confidence[i]))] };
        var retrained = input.IsRetrained ? results.Attack : input.RetrainedResults?.Attack;
        if (retrained is { Values.Count: > 0 })
        {
            var curves = AttackCurves.Compute(
                [.. results.Attack.Values.Select(v => v.Entropy)], [.. results.Attack.Values.Select(v => v.Confidence)],
                [.. retrained.Values.Select(v => v.Entropy)], [.. retrained.Values.Select(v => v.Confidence)]);
            results.Attack.Results = ToStored(curves);
        }
        progress?.Report(new EvaluationProgress(Stages[stage], stage, Stages.Length, 1));
        return (features!, dim);
    }

    public static Dictionary<string, List<AttackCurvePoint>> ToStored(AttackCurves curves) => new()
    {
        ["entropy_above_unlearn"] = Convert(curves.EntropyAboveUnlearn),
        ["entropy_above_retrain"] = Convert(curves.EntropyAboveRetrain),
        ["confidence_above_retrain"] = Convert(curves.ConfidenceAboveRetrain),
        ["confidence_above_unlearn"] = Convert(curves.ConfidenceAboveUnlearn),
    };

    private static List<AttackCurvePoint> Convert(AttackPoint[] points) =>
        [.. points.Select(p => new AttackCurvePoint(p.Threshold, p.Fpr, p.Fnr, p.AttackScore))];

    /// <summary>
    /// The table's worst-case privacy score with matched sets (SPEC §5): this model's signals on all
    /// forget-class train samples against the Retrained model's signals on the same samples.
    /// </summary>
    private static double? PrivacyStage(EvaluationInput input, ExperimentResults results)
    {
        var (rEntropy, rConfidence) = input.IsRetrained
            ? (results.ForgetEntropy, results.ForgetConfidence)
            : (input.RetrainedResults?.ForgetEntropy ?? [], input.RetrainedResults?.ForgetConfidence ?? []);
        if (rEntropy.Length == 0 || rEntropy.Length != results.ForgetEntropy.Length) return null;
        var curves = AttackCurves.Compute(results.ForgetEntropy, results.ForgetConfidence, rEntropy, rConfidence);
        return PrivacyScore.From(curves);
    }

    /// <summary>
    /// Layer-wise linear minibatch CKA (unbiased HSIC) of the reference models (rows) against the evaluated
    /// model (columns), on the deterministic CKA samples of REFERENCE §4.10: the first ⌊n/10⌋ train and
    /// ⌊n/2⌋ test samples of the forget class and of the other classes, in batches of 1,000.
    /// </summary>
    private void CkaStage(EvaluationInput input, ExperimentResults results, IProgress<EvaluationProgress>? progress, CancellationToken cancellation)
    {
        var references = new List<(Classifier Model, string? CacheKey, Action<CkaResult> Store)>();
        if (input.Original is not null) references.Add((input.Original, input.OriginalCacheKey, r => results.Cka = r));
        if (input.Retrained is not null) references.Add((input.Retrained, input.RetrainedCacheKey, r => results.CkaRetrain = r));
        else if (input.IsRetrained) references.Add((input.Model, null, r => results.CkaRetrain = r));
        if (references.Count == 0) return;
        foreach (var r in references) r.Model.eval();

        var s = input.Split;
        var sets = new (TensorData Data, int[] Indices)[]
        {
            (input.Train, s.Forget[..(s.Forget.Length / 10)]), (input.Train, s.Retain[..(s.Retain.Length / 10)]),
            (input.Test, s.TestForget[..(s.TestForget.Length / 2)]), (input.Test, s.TestRetain[..(s.TestRetain.Length / 2)]),
        };
        int totalBatches = sets.Sum(t => (t.Indices.Length + CkaBatchSize - 1) / CkaBatchSize), done = 0;
        var matrices = new double[sets.Length][][,];
        var layers = input.Model.LayerNames.Count;
        for (int si = 0; si < sets.Length; si++)
        {
            var accumulators = references.Select(r => new MinibatchCka(r.Model.LayerNames.Count, layers, CkaGramType)).ToArray();
            int bi = -1;
            foreach (var batch in TensorData.Plan(sets[si].Indices, CkaBatchSize, null))
            {
                bi++;
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                if (batch.Length <= 3) continue;
                var (x, _) = sets[si].Data.Batch(batch);
                // Each model's Gram matrices are formed once per batch and shared by both references.
                var evaluated = accumulators[0].Grams(input.Model.ForwardLayers(x));
                for (int r = 0; r < references.Count; r++)
                {
                    var reference = ReferenceEquals(references[r].Model, input.Model) ? evaluated : ReferenceGrams(references[r].Model, references[r].CacheKey, si, bi, x, accumulators[r]);
                    accumulators[r].AddGrams(reference, evaluated);
                }
                progress?.Report(new EvaluationProgress(Stages[4], 4, Stages.Length, ++done / (double)totalBatches));
            }
            matrices[si] = [.. accumulators.Select(a => a.Batches == 0 ? new double[0, 0] : a.Result())];
        }
        for (int r = 0; r < references.Count; r++)
        {
            references[r].Store(new CkaResult
            {
                Layers = [.. input.Model.LayerNames],
                Train = new CkaSplit { ForgetClass = Jagged(matrices[0][r]), OtherClasses = Jagged(matrices[1][r]) },
                Test = new CkaSplit { ForgetClass = Jagged(matrices[2][r]), OtherClasses = Jagged(matrices[3][r]) },
            });
        }
    }

    public int CkaBatchSize { get; init; } = 1000;

    /// <summary>Optional cache of the reference models' Gram matrices, kept across evaluations by the job worker.</summary>
    public ReferenceGramCache? GramCache { get; init; }

    private Tensor[] ReferenceGrams(Classifier reference, string? cacheKey, int set, int batch, Tensor x, MinibatchCka accumulator)
    {
        if (GramCache is null || cacheKey is null) return accumulator.Grams(reference.ForwardLayers(x));
        if (GramCache.Get(cacheKey, set, batch) is { } cached) return cached;
        var grams = accumulator.Grams(reference.ForwardLayers(x));
        GramCache.Put(cacheKey, set, batch, grams);
        return grams;
    }

    /// <summary>
    /// Precision of the Gram products XXᵀ (HSIC sums are always float64). float32 halves the dominant cost on CPU
    /// and agreed with float64 to 6 decimals in the CKA benchmark; results are stored to 3 decimals.
    /// </summary>
    public ScalarType CkaGramType { get; init; } = ScalarType.Float32;

    private static double[][] Jagged(double[,] m) =>
        [.. Enumerable.Range(0, m.GetLength(0)).Select(i => Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j]).ToArray())];
}
