using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Depth;

/// <summary>Options of the layer-wise linear probes (docs/metrics.md, "Linear probes"); the defaults are the documented recipe.</summary>
public sealed record ProbeOptions
{
    /// <summary>Class sets and sub-class sets: forget samples drawn, and as many negatives (a balanced probe set).</summary>
    public int SamplesPerSide { get; init; } = 500;
    /// <summary>Random and index-list sets: at most this many forget samples (their true labels are the target).</summary>
    public int MaxForgetSamples { get; init; } = 2000;
    /// <summary>λ of the logistic regression's L2 penalty on standardised features.</summary>
    public double L2 { get; init; } = 0.01;
    /// <summary>Seed of the SplitMix64 draw of the probe set and its train/test halves.</summary>
    public long Seed { get; init; } = 0;
    /// <summary>Solver iteration cap per layer.</summary>
    public int MaxIterations { get; init; } = 5000;
    /// <summary>Images per forward pass while taking the features.</summary>
    public int BatchSize { get; init; } = 250;

    public void Validate()
    {
        if (SamplesPerSide < 2) throw new ArgumentOutOfRangeException(nameof(SamplesPerSide), SamplesPerSide, "The probe needs at least 2 samples per side.");
        if (MaxForgetSamples < 4) throw new ArgumentOutOfRangeException(nameof(MaxForgetSamples), MaxForgetSamples, "The probe needs at least 4 forget samples.");
        if (!(L2 >= 0) || double.IsInfinity(L2)) throw new ArgumentOutOfRangeException(nameof(L2), L2, "The L2 penalty must be a finite number ≥ 0.");
        if (Seed < 0) throw new ArgumentOutOfRangeException(nameof(Seed), Seed, "The seed must be ≥ 0.");
        if (MaxIterations < 1 || BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), "Iterations and batch size must be ≥ 1.");
    }
}

/// <summary>What a probe predicts (docs/metrics.md, "Linear probes").</summary>
public static class ProbeTargets
{
    /// <summary>Class sets: forget class (1) against the other classes (0), balanced.</summary>
    public const string ForgetClassVsOthers = "forget-class-vs-others";
    /// <summary>Sub-class sets: the forget samples (1) against the retained samples of the same class (0), balanced.</summary>
    public const string ForgetVsRetainedOfClass = "forget-vs-retained-of-class";
    /// <summary>Random and index-list sets: the true labels of the forget samples.</summary>
    public const string ForgetSampleLabels = "forget-sample-labels";

    public static readonly string[] All = [ForgetClassVsOthers, ForgetVsRetainedOfClass, ForgetSampleLabels];
}

/// <summary>The probe's samples: train indexes and labels for fitting, test indexes and labels for the held-out accuracy.</summary>
public sealed record ProbeSet(string Target, int Classes, int[] TrainIndexes, int[] TrainLabels, int[] TestIndexes, int[] TestLabels);

/// <summary>
/// Layer-wise linear probes (Alain &amp; Bengio 2016, "Understanding intermediate layers using linear classifier probes";
/// docs/metrics.md, "Linear probes"): a logistic regression per CKA layer on the model's frozen activations,
/// averaged over space for convolutional maps, asked to recover what the model should have forgotten. High held-out
/// accuracy in a layer means the information is still linearly readable there.
/// </summary>
public static class LinearProbe
{
    /// <summary>
    /// Draws the probe set of a forget set from one SplitMix64 generator seeded with <see cref="ProbeOptions.Seed"/>
    /// (docs/forget-sets.md, "Generator: SplitMix64"). Class and sub-class sets: shuffle the positives (the forget samples), keep
    /// m = min(SamplesPerSide, |positives|, |negatives|), then shuffle the negatives (other classes, or the class's retained
    /// samples) and keep m; the first ⌊m/2⌋ of each side train the probe, the rest test it. Other sample sets: shuffle
    /// the forget samples, keep min(MaxForgetSamples, |F|), the first half (rounded down) trains, the rest tests.
    /// </summary>
    public static ProbeSet Draw(ForgetSplit split, int[] trainLabels, int numClasses, ProbeOptions options)
    {
        options.Validate();
        var rng = new ForgetSets.SplitMix64(options.Seed);
        if (split.IsClassWise || split.ForgetClass >= 0)
        {
            var negatives = split.IsClassWise ? split.Retain : [.. split.Retain.Where(i => trainLabels[i] == split.ForgetClass)];
            var positives = (int[])split.Forget.Clone();
            int m = Math.Min(options.SamplesPerSide, Math.Min(positives.Length, negatives.Length));
            if (m < 2) throw new ArgumentException($"The probe needs at least 2 forget samples and 2 others; this forget set gives {positives.Length} and {negatives.Length}.");
            rng.Shuffle(positives);
            var neg = (int[])negatives.Clone();
            rng.Shuffle(neg);
            int half = m / 2;
            return new ProbeSet(split.IsClassWise ? ProbeTargets.ForgetClassVsOthers : ProbeTargets.ForgetVsRetainedOfClass, 2,
                [.. positives[..half], .. neg[..half]], [.. Enumerable.Repeat(1, half), .. Enumerable.Repeat(0, half)],
                [.. positives[half..m], .. neg[half..m]], [.. Enumerable.Repeat(1, m - half), .. Enumerable.Repeat(0, m - half)]);
        }
        var forget = (int[])split.Forget.Clone();
        if (forget.Length < 4) throw new ArgumentException($"The probe needs at least 4 forget samples; this forget set has {forget.Length}.");
        rng.Shuffle(forget);
        int kept = Math.Min(options.MaxForgetSamples, forget.Length), train = kept / 2;
        return new ProbeSet(ProbeTargets.ForgetSampleLabels, numClasses,
            forget[..train], [.. forget[..train].Select(i => trainLabels[i])],
            forget[train..kept], [.. forget[train..kept].Select(i => trainLabels[i])]);
    }

    /// <summary>
    /// Fits one probe per layer of <paramref name="model"/> on the activations of <paramref name="set"/>'s train samples and
    /// returns the held-out accuracy per layer, with the chance level (the most frequent held-out label's share).
    /// </summary>
    public static ProbeProfile Run(Classifier model, TensorData train, ProbeSet set, ProbeOptions options, IProgress<double>? progress,
        CancellationToken cancellation)
    {
        options.Validate();
        var trainFeatures = PooledFeatures(model, train, set.TrainIndexes, options.BatchSize, cancellation);
        var testFeatures = PooledFeatures(model, train, set.TestIndexes, options.BatchSize, cancellation);
        progress?.Report(0.2);
        var accuracy = new double[trainFeatures.Length];
        for (int layer = 0; layer < accuracy.Length; layer++)
        {
            cancellation.ThrowIfCancellationRequested();
            var probe = LogisticRegression.Fit(trainFeatures[layer], set.TrainLabels, set.Classes, options.L2, options.MaxIterations,
                cancellation: cancellation);
            accuracy[layer] = LogisticRegression.Accuracy(probe.Predict(testFeatures[layer]), set.TestLabels);
            progress?.Report(0.2 + 0.8 * (layer + 1) / accuracy.Length);
        }
        return new ProbeProfile(set.Target, [.. model.LayerNames], accuracy, LogisticRegression.Chance(set.TestLabels),
            set.TrainIndexes.Length, set.TestIndexes.Length);
    }

    /// <summary>
    /// Each layer's pooled activations (<see cref="Classifier.ForwardPooledLayers"/>) of the given train samples, in eval
    /// mode without gradients, as [layer][sample][feature] in float64.
    /// </summary>
    public static double[][][] PooledFeatures(Classifier model, TensorData data, int[] indexes, int batchSize, CancellationToken cancellation)
    {
        model.eval();
        using var noGrad = no_grad();
        var layers = new double[model.LayerNames.Count][][];
        for (int l = 0; l < layers.Length; l++) layers[l] = new double[indexes.Length][];
        int offset = 0;
        foreach (var batch in TensorData.Plan(indexes, batchSize, null))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, _) = data.Batch(batch);
            var pooled = model.ForwardPooledLayers(x);
            for (int l = 0; l < layers.Length; l++)
            {
                var values = pooled[l].to(ScalarType.Float64).to(CPU).contiguous().data<double>().ToArray();
                int dim = (int)pooled[l].shape[1];
                for (int i = 0; i < batch.Length; i++) layers[l][offset + i] = values[(i * dim)..((i + 1) * dim)];
            }
            offset += batch.Length;
        }
        return layers;
    }
}
