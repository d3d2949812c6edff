using System.Diagnostics;
using TorchSharp;
using Unlearning.Core.Data;
using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Core.Methods;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation;

/// <summary>
/// Records <see cref="EpochMetrics"/> as an <see cref="IEpochObserver"/> of an unlearning run (docs/metrics.md, "Per-epoch metrics"):
/// at epoch 0 (before training) and after every epoch one pass over the train set and one over the test set (eval mode, no
/// gradient, one dispose scope per batch) give UA, RA, TUA, TRA, the forget samples' MIA signals for PS against the Retrained
/// model, and their C-MIA / E-MIA features. At epoch 0 the shadow attack (<see cref="MiaEfficacy"/>) is fitted on the base model.
/// The model's train/eval mode is restored and LibTorch's random generator is not used (the shadow draws use their own
/// seeded generator), so a tracked run trains the same model as an untracked one.
/// </summary>
public sealed class EpochMetricsTracker : IEpochObserver
{
    private const int BatchSize = 500;

    /// <summary>Stream of the shadow draws' generator, apart from the methods' streams of <see cref="UnlearningContext.CreateRandom"/>.</summary>
    private const int ShadowStream = 9_001;

    private readonly TensorData _train;
    private readonly TensorData _test;
    private readonly ForgetSplit _split;
    private readonly double[]? _retrainedEntropy;
    private readonly double[]? _retrainedConfidence;
    private readonly long _seed;
    private readonly int _shadowSize;
    private LinearSvm? _confidenceSvm, _entropySvm;

    /// <param name="retrainedEntropy">The Retrained model's entropy signals on every forget sample, ascending index order (its stored
    /// <see cref="ExperimentResults.ForgetEntropy"/>); null or not matching the forget set = PS is N/A.</param>
    /// <param name="retrainedConfidence">Its confidence signals, likewise.</param>
    /// <param name="seed">The run's seed; the shadow sets are drawn from it.</param>
    /// <param name="shadowSize">Shadow samples per side (<see cref="MiaEfficacy.ShadowSize"/>; fewer when a pool is smaller).</param>
    public EpochMetricsTracker(TensorData train, TensorData test, ForgetSplit split, double[]? retrainedEntropy, double[]? retrainedConfidence,
        long seed, int shadowSize = MiaEfficacy.ShadowSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shadowSize);
        if (split.Forget.Length == 0) throw new ArgumentException("Per-epoch metrics need a non-empty forget set.", nameof(split));
        if (split.TestRetain.Length == 0 || split.Retain.Length == 0)
            throw new ArgumentException("Per-epoch metrics need retain train samples and test samples outside the forget set for the shadow attack.", nameof(split));
        _train = train;
        _test = test;
        _split = split;
        _retrainedEntropy = retrainedEntropy;
        _retrainedConfidence = retrainedConfidence;
        _seed = seed;
        _shadowSize = shadowSize;
    }

    /// <summary>The records so far (entry e = epoch e).</summary>
    public EpochMetrics Metrics { get; } = new();

    /// <summary>The fitted shadow SVMs (C-MIA on the true-class probability, E-MIA on the entropy); null before epoch 0.</summary>
    public (LinearSvm Confidence, LinearSvm Entropy)? Shadow => _confidenceSvm is null ? null : (_confidenceSvm, _entropySvm!);

    public void OnEpoch(int epoch, Classifier model, CancellationToken cancellation)
    {
        if (epoch != Metrics.Count)
            throw new InvalidOperationException($"Epoch {epoch} arrived after {Metrics.Count} record(s); records are made in order from epoch 0.");
        var clock = Stopwatch.StartNew();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            if (epoch == 0) FitShadow(model, cancellation);
            Metrics.Add(Record(epoch, model, cancellation) with { Seconds = clock.Elapsed.TotalSeconds });
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    private EpochRecord Record(int epoch, Classifier model, CancellationToken cancellation)
    {
        int k = _train.Info.NumClasses;
        var train = new ClassMetricsAccumulator(k);
        var entropy = new List<double>(_split.Forget.Length);
        var confidence = new List<double>(_split.Forget.Length);
        var trueClass = new List<double>(_split.Forget.Length);
        var softEntropy = new List<double>(_split.Forget.Length);
        long forgetCorrect = 0;
        // All train samples in ascending order: the forget samples' signals come out in the order of the Retrained model's stored ones.
        Pass(model, _train, [.. Enumerable.Range(0, _train.Count)], train, cancellation, (index, label, pred, row) =>
        {
            if (!_split.IsForget(index)) return;
            if (pred == label) forgetCorrect++;
            entropy.Add(MiaSignals.Entropy(row));
            confidence.Add(MiaSignals.Confidence(row));
            trueClass.Add(MiaEfficacy.TrueClassProbability(row, label));
            softEntropy.Add(MiaEfficacy.SoftmaxEntropy(row));
        });
        var test = new ClassMetricsAccumulator(k);
        Pass(model, _test, [.. Enumerable.Range(0, _test.Count)], test, cancellation, null);

        double ua, ra, tra;
        double? tua;
        if (_split.IsClassWise)
        {
            var (accs, tAccs) = (train.Accuracy(), test.Accuracy());
            int fc = _split.ForgetClass;
            (ua, ra, tua, tra) = (UnlearningAccuracy.UA(accs, fc), UnlearningAccuracy.RA(accs, fc), UnlearningAccuracy.TUA(tAccs, fc), UnlearningAccuracy.TRA(tAccs, fc));
        }
        else
        {
            (ua, ra, tra) = UnlearningAccuracy.ForSampleSet(forgetCorrect, _split.Forget.Length, train.Correct, train.Count, test.Correct, test.Count);
            tua = null;
        }
        double? ps = _retrainedEntropy is { } re && _retrainedConfidence is { } rc
            ? PrivacyScore.Matched([.. entropy], [.. confidence], re, rc)
            : null;
        return new EpochRecord(epoch, ua, ra, tua, tra, ps,
            MiaEfficacy.Efficacy(_confidenceSvm!, trueClass), MiaEfficacy.Efficacy(_entropySvm!, softEntropy), 0);
    }

    /// <summary>Draws the shadow members (retain train samples) and non-members (test samples outside the forget set) and fits one SVM per feature.</summary>
    private void FitShadow(Classifier model, CancellationToken cancellation)
    {
        var rng = new Random(unchecked((int)(_seed * 1_000_003 + ShadowStream)));
        var members = MiaEfficacy.Draw(_split.Retain, _shadowSize, rng);
        var nonMembers = MiaEfficacy.Draw(_split.TestRetain, _shadowSize, rng);
        var trueClass = new List<double>(members.Length + nonMembers.Length);
        var softEntropy = new List<double>(members.Length + nonMembers.Length);
        var isMember = new List<bool>(members.Length + nonMembers.Length);
        foreach (var (data, indices, member) in new[] { (_train, members, true), (_test, nonMembers, false) })
            Pass(model, data, indices, null, cancellation, (_, label, _, row) =>
            {
                trueClass.Add(MiaEfficacy.TrueClassProbability(row, label));
                softEntropy.Add(MiaEfficacy.SoftmaxEntropy(row));
                isMember.Add(member);
            });
        _confidenceSvm = LinearSvm.Fit(trueClass, isMember);
        _entropySvm = LinearSvm.Fit(softEntropy, isMember);
    }

    private delegate void RowAction(int index, int label, int prediction, ReadOnlySpan<double> logits);

    /// <summary>One eval pass over <paramref name="indices"/> (ascending batches): class metrics into <paramref name="metrics"/> and each row to <paramref name="row"/>.</summary>
    private static void Pass(Classifier model, TensorData data, int[] indices, ClassMetricsAccumulator? metrics, CancellationToken cancellation, RowAction? row)
    {
        int k = data.Info.NumClasses;
        using var noGrad = no_grad();
        // This epoch's weights with folded batch norms (docs/architecture.md, "Inference passes").
        using var pass = model.ForInference();
        foreach (var batch in TensorData.Plan(indices, BatchSize, null))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, y) = data.Batch(batch);
            var logits = pass.ForwardWithFeatures(x).Logits;
            var labels = y.to(CPU).data<long>().ToArray();
            var predictions = logits.argmax(1).to(CPU).data<long>().ToArray();
            metrics?.Add(labels, predictions, nn.functional.softmax(logits, 1).to(CPU).data<float>().ToArray());
            if (row is null) continue;
            var host = logits.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
            for (int i = 0; i < batch.Length; i++)
                row((int)batch[i], (int)labels[i], (int)predictions[i], host.AsSpan(i * k, k));
        }
    }
}
