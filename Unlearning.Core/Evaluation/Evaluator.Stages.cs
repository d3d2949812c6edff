using System.Diagnostics;
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
    /// <summary>Softmax temperature of the subset's stored probabilities (docs/metrics.md, "Fixed subset (points)").</summary>
    public const double SubsetTemperature = 2.0;

    /// <summary>UMAP parameters of docs/metrics.md, "Embedding (UMAP, aligned)" (n_neighbors 9, min_dist 0.45).</summary>
    public UmapOptions Umap { get; init; } = new();

    /// <summary>
    /// The fixed subset: penultimate features, predictions, T = 2 probabilities, the forget-class samples'
    /// attack values, a seeded UMAP aligned to the Original's embedding, and the subset attack curves. The logits
    /// and features come from the train pass (<see cref="SubsetCapture"/>).
    /// </summary>
    private (float[] Features, int Dim) SubsetStage(EvaluationInput input, ExperimentResults results, SubsetCapture capture, EvaluationProfile profile,
        IProgress<EvaluationProgress>? progress, CancellationToken cancellation)
    {
        const int stage = 2;
        var data = input.Train;
        int n = input.Subset.Length, k = data.Info.NumClasses;
        cancellation.ThrowIfCancellationRequested();
        var (features, dim) = capture.Features();
        var preds = new int[n];
        var probs = new double[n][];
        double[] entropy, confidence;
        long subsetStart = Stopwatch.GetTimestamp();
        using (var scope = NewDisposeScope())
        {
            var logits = tensor(capture.Logits(), [n, k]);
            var p = nn.functional.softmax(logits / SubsetTemperature, 1).to(ScalarType.Float64).data<double>().ToArray();
            var pr = logits.argmax(1).data<long>().ToArray();
            (entropy, confidence) = MiaSignals.Compute(logits);
            for (int i = 0; i < n; i++)
            {
                preds[i] = (int)pr[i];
                probs[i] = p[(i * k)..((i + 1) * k)];
            }
        }
        profile.Add(EvaluationProfile.Subset, Stopwatch.GetElapsedTime(subsetStart).TotalSeconds);
        progress?.Report(new EvaluationProgress(Stages[stage], stage, Stages.Length, 0.2));

        long embeddingStart = Stopwatch.GetTimestamp();
        var embedding = Embedding.Umap.Embed(features, n, dim, Umap with { Seed = (int)input.Seed }, cancellation);
        progress?.Report(new EvaluationProgress(Stages[stage], stage, Stages.Length, 0.9));
        if (input.OriginalResults is { Points.Count: > 0 } original && original.Points.Count == n)
        {
            var target = new double[n, 2];
            for (int i = 0; i < n; i++) { target[i, 0] = original.Points[i].X; target[i, 1] = original.Points[i].Y; }
            embedding = Procrustes.Align(embedding, target);
        }
        profile.Add(EvaluationProfile.Embedding, Stopwatch.GetElapsedTime(embeddingStart).TotalSeconds);

        var labels = data.Set.Labels;
        results.Points = [.. Enumerable.Range(0, n).Select(i => new SubsetPoint
        {
            Gt = labels[input.Subset[i]], Pred = preds[i], Img = input.Subset[i], IsForget = input.Split.IsForget(input.Subset[i]),
            X = embedding[i, 0], Y = embedding[i, 1], Probs = probs[i],
        })];

        // The forget samples in the subset: the forget class's samples, or a sample set's (docs/forget-sets.md, "Metrics per kind").
        var forgetRows = Enumerable.Range(0, n).Where(i => input.Split.IsForget(input.Subset[i])).ToArray();
        results.Attack = new AttackData { Values = [.. forgetRows.Select(i => new AttackValue(input.Subset[i], entropy[i], confidence[i]))] };
        var retrained = input.IsRetrained ? results.Attack : input.RetrainedResults?.Attack;
        if (retrained is { Values.Count: > 0 })
        {
            results.Attack.Results = ToStored(PrivacyScore.SubsetCurves(results.Attack.Values, retrained.Values));
        }
        progress?.Report(new EvaluationProgress(Stages[stage], stage, Stages.Length, 1));
        return (features, dim);
    }

    /// <summary>The four curves in their stored shape (see <see cref="AttackData.ToStored"/>).</summary>
    public static Dictionary<string, List<AttackCurvePoint>> ToStored(AttackCurves curves) => AttackData.ToStored(curves);

    /// <summary>
    /// The table's worst-case privacy score with matched sets (see docs/metrics.md): this model's signals on all
    /// forget-class train samples against the Retrained model's signals on the same samples.
    /// </summary>
    private static double? PrivacyStage(EvaluationInput input, ExperimentResults results)
    {
        var (rEntropy, rConfidence) = input.IsRetrained
            ? (results.ForgetEntropy, results.ForgetConfidence)
            : (input.RetrainedResults?.ForgetEntropy ?? [], input.RetrainedResults?.ForgetConfidence ?? []);
        return PrivacyScore.Matched(results.ForgetEntropy, results.ForgetConfidence, rEntropy, rConfidence);
    }

    public int CkaBatchSize { get; init; } = 1000;

    /// <summary>Optional cache of the reference models' Gram matrices, kept across evaluations by the job worker.</summary>
    public ReferenceGramCache? GramCache { get; init; }

    /// <summary>
    /// Precision of the Gram products XXᵀ, their centring and inner products (row sums and HSIC sums are float64).
    /// float32 halves the dominant cost on CPU and agreed with a float64 computation to 2.4e-6 on every CKA entry of the
    /// shipped models (docs/metrics.md, "Layer-wise similarity (CKA)"); results are stored to 3 decimals.
    /// </summary>
    public ScalarType CkaGramType { get; init; } = ScalarType.Float32;

    /// <summary>
    /// The CKA samples of docs/metrics.md, "Layer-wise similarity (CKA)", numbered as the four result matrices: train
    /// forget (0) and train other (1), the first ⌊n/10⌋ of each; test forget (2) and test other (3), the first ⌊n/2⌋.
    /// </summary>
    private static ((int Set, int[] Indices)[] Train, (int Set, int[] Indices)[] Test) CkaSets(ForgetSplit s) =>
        ([(0, s.Forget[..(s.Forget.Length / 10)]), (1, s.Retain[..(s.Retain.Length / 10)])],
         [(2, s.TestForget[..(s.TestForget.Length / 2)]), (3, s.TestRetain[..(s.TestRetain.Length / 2)])]);

    /// <summary>
    /// Fills <see cref="GramCache"/> with a reference model's U-centred Gram matrices for every CKA batch, exactly as an
    /// evaluation against that reference would compute and cache them, so that the next evaluation starts with cached
    /// references (docs/architecture.md, "Caches"). Returns the batches computed (0 when all were cached already).
    /// </summary>
    public int WarmReferenceGrams(Classifier reference, string cacheKey, TensorData train, TensorData test, ForgetSplit split, CancellationToken cancellation = default)
    {
        var cache = GramCache ?? throw new InvalidOperationException("No Gram cache to warm.");
        var missing = CkaReferenceBatches(split).Where(b => cache.Get(cacheKey, b.Set, b.Batch) is null).ToList();
        if (missing.Count == 0) return 0;
        using var pass = reference.ForInference();
        var accumulator = new MinibatchCka(reference.LayerNames.Count, reference.LayerNames.Count, CkaGramType);
        using var noGrad = no_grad();
        foreach (var (isTrain, set, b, indices) in missing)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, _) = (isTrain ? train : test).Batch(indices);
            cache.Put(cacheKey, set, b, accumulator.Grams(pass.ForwardLayers(x)));
        }
        return missing.Count;
    }

    /// <summary>
    /// True when <see cref="GramCache"/> holds every CKA batch of the reference <paramref name="cacheKey"/> for this split
    /// (nothing for <see cref="WarmReferenceGrams"/> to do), without loading the model or the data.
    /// </summary>
    public bool HoldsReferenceGrams(string cacheKey, ForgetSplit split) =>
        GramCache is { } cache && CkaReferenceBatches(split).All(b => cache.Get(cacheKey, b.Set, b.Batch) is not null);

    /// <summary>
    /// The CKA batches a reference's Gram matrices are cached for: the same batches as the evaluation's passes (ClassPass plans
    /// each CKA set on its own), less the remainder batches of 3 samples or fewer that unbiased HSIC leaves out.
    /// </summary>
    private IEnumerable<(bool IsTrain, int Set, int Batch, long[] Indices)> CkaReferenceBatches(ForgetSplit split)
    {
        var (trainSets, testSets) = CkaSets(split);
        foreach (var (isTrain, sets) in new[] { (true, trainSets), (false, testSets) })
            foreach (var (set, indices) in sets)
            {
                var batches = TensorData.Plan(indices, CkaBatchSize, null);
                for (int b = 0; b < batches.Length; b++)
                    if (batches[b].Length > 3) yield return (isTrain, set, b, batches[b]);
            }
    }

    /// <summary>
    /// Layer-wise linear minibatch CKA (unbiased HSIC) of the reference models (rows) against the evaluated
    /// model (columns), on the deterministic CKA samples of docs/metrics.md, "Layer-wise similarity (CKA)": the first ⌊n/10⌋ train and
    /// ⌊n/2⌋ test samples of the forget class and of the other classes, in batches of 1,000. The evaluated
    /// model's activations arrive from the train and test passes (<see cref="Add"/>), batch by batch in the
    /// order of the sets; the references are run here (or their Gram matrices taken from the cache).
    /// </summary>
    private sealed class CkaCollector : IDisposable
    {
        private readonly Evaluator _owner;
        private readonly EvaluationInput _input;
        private readonly EvaluationProfile _profile;
        private readonly List<(Classifier Model, string? CacheKey, bool IsOriginal)> _references;
        private readonly MinibatchCka[][] _accumulators;
        /// <summary>Each reference's inference pass, made when its first Gram matrices are not cached (<see cref="ReferenceGrams"/>).</summary>
        private readonly Dictionary<Classifier, InferencePass> _passes = [];
        private readonly Stopwatch _clock = new();
        private double _lapStart;

        private CkaCollector(Evaluator owner, EvaluationInput input, EvaluationProfile profile, List<(Classifier Model, string? CacheKey, bool IsOriginal)> references)
        {
            _owner = owner;
            _profile = profile;
            _input = input;
            _references = references;
            (TrainSets, TestSets) = CkaSets(input.Split);
            int layers = input.Model.LayerNames.Count;
            _accumulators = [.. Enumerable.Range(0, 4).Select(_ => references.Select(r => new MinibatchCka(r.Model.LayerNames.Count, layers, owner.CkaGramType)).ToArray())];
        }

        public static CkaCollector? Create(Evaluator owner, EvaluationInput input, EvaluationProfile profile)
        {
            var references = new List<(Classifier Model, string? CacheKey, bool IsOriginal)>();
            if (input.Original is not null) references.Add((input.Original, input.OriginalCacheKey, true));
            if (input.Retrained is not null) references.Add((input.Retrained, input.RetrainedCacheKey, false));
            else if (input.IsRetrained) references.Add((input.Model, null, false));
            if (references.Count == 0) return null;
            return new CkaCollector(owner, input, profile, references);
        }

        public (int Set, int[] Indices)[] TrainSets { get; }
        public (int Set, int[] Indices)[] TestSets { get; }

        /// <summary>Seconds of CKA work so far.</summary>
        public double Seconds => _clock.Elapsed.TotalSeconds;

        /// <summary>Seconds of CKA work since the previous call.</summary>
        public double TakeLap()
        {
            var now = Seconds;
            var lap = now - _lapStart;
            _lapStart = now;
            return lap;
        }

        /// <summary>One CKA batch: <paramref name="layers"/> are the evaluated model's activations of <paramref name="x"/>.</summary>
        public void Add(int set, int batch, Tensor x, IReadOnlyList<Tensor> layers)
        {
            if (x.shape[0] <= 3) return; // unbiased HSIC needs n > 3; such a remainder batch is left out
            _clock.Start();
            try
            {
                var accumulators = _accumulators[set];
                // Each model's Gram matrices are formed once per batch and shared by both references.
                var evaluated = _profile.Time(EvaluationProfile.CkaGram, () => accumulators[0].Grams(layers));
                if (_input.OwnCacheKey is { } own) _owner.GramCache?.GetOrAdd(own, set, batch, () => evaluated);
                for (int r = 0; r < _references.Count; r++)
                {
                    var (model, cacheKey, _) = _references[r];
                    var reference = ReferenceEquals(model, _input.Model) ? evaluated : ReferenceGrams(model, cacheKey, set, batch, x, accumulators[r]);
                    _profile.Time(EvaluationProfile.CkaHsic, () => accumulators[r].AddGrams(reference, evaluated));
                }
            }
            finally { _clock.Stop(); }
        }

        private Tensor[] ReferenceGrams(Classifier reference, string? cacheKey, int set, int batch, Tensor x, MinibatchCka accumulator)
        {
            Tensor[] Compute()
            {
                var layers = _profile.Time(EvaluationProfile.CkaForward, () =>
                {
                    if (!_passes.TryGetValue(reference, out var pass)) _passes[reference] = pass = reference.ForInference();
                    return pass.ForwardLayers(x);
                });
                return _profile.Time(EvaluationProfile.CkaGram, () => accumulator.Grams(layers));
            }
            return _owner.GramCache is { } cache && cacheKey is not null ? cache.GetOrAdd(cacheKey, set, batch, Compute) : Compute();
        }

        public void Dispose()
        {
            foreach (var pass in _passes.Values) pass.Dispose();
            _passes.Clear();
        }

        /// <summary>Writes the CKA matrices: against the Original to <c>cka</c>, against the Retrained model to <c>cka_retrain</c>.</summary>
        public void Store(ExperimentResults results)
        {
            for (int r = 0; r < _references.Count; r++)
            {
                double[][] M(int set) => Jagged(_accumulators[set][r].Batches == 0 ? new double[0, 0] : _accumulators[set][r].Result());
                var result = new CkaResult
                {
                    Layers = [.. _input.Model.LayerNames],
                    Train = new CkaSplit { ForgetClass = M(0), OtherClasses = M(1) },
                    Test = new CkaSplit { ForgetClass = M(2), OtherClasses = M(3) },
                };
                if (_references[r].IsOriginal) results.Cka = result;
                else results.CkaRetrain = result;
            }
        }
    }

    /// <summary>Keeps the logits and penultimate features of the fixed subset's samples as the train pass meets them.</summary>
    private sealed class SubsetCapture(int[] subset, int numClasses)
    {
        private readonly Dictionary<int, int> _row = subset.Select((idx, row) => (idx, row)).ToDictionary(t => t.idx, t => t.row);
        private readonly float[] _logits = new float[subset.Length * numClasses];
        private float[]? _features;
        private int _dim, _seen;

        public void Take(long[] batch, Tensor logits, Tensor features)
        {
            using var scope = NewDisposeScope();
            var (indices, rows) = RowsOf(batch, _row.ContainsKey, logits.device);
            if (indices.Length == 0) return;
            _dim = (int)features.shape[1];
            _features ??= new float[subset.Length * _dim];
            var l = logits.index_select(0, rows).to(CPU).data<float>().ToArray();
            var f = features.index_select(0, rows).to(CPU).data<float>().ToArray();
            for (int i = 0; i < indices.Length; i++)
            {
                int target = _row[indices[i]];
                Array.Copy(l, i * numClasses, _logits, target * numClasses, numClasses);
                Array.Copy(f, i * _dim, _features, target * _dim, _dim);
                _seen++;
            }
        }

        public float[] Logits()
        {
            CheckComplete();
            return _logits;
        }

        public (float[] Features, int Dim) Features()
        {
            CheckComplete();
            return (_features!, _dim);
        }

        private void CheckComplete()
        {
            if (_seen != subset.Length) throw new InvalidOperationException($"The train pass met {_seen} of the {subset.Length} subset samples.");
        }
    }

    private static double[][] Jagged(double[,] m) =>
        [.. Enumerable.Range(0, m.GetLength(0)).Select(i => Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j]).ToArray())];
}
