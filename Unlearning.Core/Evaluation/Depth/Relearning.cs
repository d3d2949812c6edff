using Unlearning.Core.Data;
using Unlearning.Core.Models;
using static TorchSharp.torch;

namespace Unlearning.Core.Evaluation.Depth;

/// <summary>The fixed relearning recipe (docs/metrics.md, "Relearning attack"); the defaults are the documented recipe.</summary>
public sealed record RelearningOptions
{
    /// <summary>Share of the forget samples the attacker fine-tunes on.</summary>
    public double Fraction { get; init; } = 0.01;
    /// <summary>Fewest samples drawn (when 1 % is fewer; capped at the forget set's size).</summary>
    public int MinSamples { get; init; } = 16;
    public double LearningRate { get; init; } = 0.001;
    public double Momentum { get; init; } = 0.9;
    public int BatchSize { get; init; } = 16;
    /// <summary>Steps after which UA is measured, ascending, starting at 0 (the model before any step).</summary>
    public int[] Schedule { get; init; } = [0, 1, 2, 3, 5, 8, 12, 20, 30, 50];
    /// <summary>Seed of the SplitMix64 draw of the subset and of its batch order.</summary>
    public long Seed { get; init; } = 0;
    /// <summary>
    /// Retain samples added to each step's batch (0 = forget samples only). Fine-tuning on one class alone collapses a
    /// classifier onto that class within a few steps (measured: the shipped Original's retain accuracy fell from 0.95 to 0.26 by
    /// step 12), so the attack keeps the other classes in view, as an attacker who wants a useful model would.
    /// </summary>
    public int RetainPerBatch { get; init; } = 16;
    /// <summary>Retain samples (a seeded draw) whose accuracy is measured beside UA, to tell relearning from a collapse onto the forget class.</summary>
    public int RetainSamples { get; init; } = 1000;
    /// <summary>Images per forward pass while measuring UA.</summary>
    public int EvaluationBatchSize { get; init; } = 500;

    public void Validate()
    {
        if (!(Fraction > 0 && Fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(Fraction), Fraction, "The relearning fraction must be in (0, 1].");
        if (MinSamples < 1) throw new ArgumentOutOfRangeException(nameof(MinSamples), MinSamples, "At least one sample must be relearned.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a finite number > 0.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "The momentum must be in [0, 1).");
        if (RetainPerBatch < 0) throw new ArgumentOutOfRangeException(nameof(RetainPerBatch), RetainPerBatch, "The retain samples per batch must be ≥ 0.");
        if (RetainSamples < 0) throw new ArgumentOutOfRangeException(nameof(RetainSamples), RetainSamples, "The retain sample count must be ≥ 0.");
        if (BatchSize < 1 || EvaluationBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), "Batch sizes must be ≥ 1.");
        if (Seed < 0) throw new ArgumentOutOfRangeException(nameof(Seed), Seed, "The seed must be ≥ 0.");
        if (Schedule.Length == 0 || Schedule[0] != 0 || Schedule.Zip(Schedule.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("The schedule must start at step 0 and increase strictly.", nameof(Schedule));
    }
}

/// <summary>
/// The relearning attack (docs/metrics.md, "Relearning attack"; Hu et al. 2024, "Jogging the memory of unlearned LLMs
/// through targeted relearning attacks"; Lynch et al. 2024, "Eight methods to evaluate robust unlearning in LLMs"):
/// fine-tune a copy of the model on a few forget samples and watch how fast UA comes back. Shallow forgetting
/// returns within a few steps; a Retrained model, which never saw the forget set, is the reference curve.
/// </summary>
public static class Relearning
{
    /// <summary>
    /// The attacker's subset: n = min(|F|, max(MinSamples, round(Fraction·|F|))) forget samples (halves away from zero),
    /// the first n of the forget set shuffled by SplitMix64 seeded with <see cref="RelearningOptions.Seed"/> (Fisher–Yates,
    /// docs/forget-sets.md), returned ascending.
    /// </summary>
    public static int[] DrawSubset(IReadOnlyList<int> forget, RelearningOptions options)
    {
        options.Validate();
        if (forget.Count == 0) throw new ArgumentException("The forget set is empty: nothing to relearn.", nameof(forget));
        int n = SubsetSize(forget.Count, options);
        var shuffled = forget.ToArray();
        new ForgetSets.SplitMix64(options.Seed).Shuffle(shuffled);
        return [.. shuffled[..n].Order()];
    }

    /// <summary>n = min(|F|, max(MinSamples, round(Fraction·|F|))).</summary>
    public static int SubsetSize(int forgetCount, RelearningOptions options) =>
        Math.Min(forgetCount, Math.Max(options.MinSamples, (int)Math.Round(options.Fraction * forgetCount, MidpointRounding.AwayFromZero)));

    /// <summary>
    /// The batches of steps 1..<paramref name="steps"/>: the subset is shuffled anew for each pass (one SplitMix64 generator
    /// seeded with Seed + 1) and cut into consecutive batches of BatchSize (a pass's last batch may be smaller).
    /// </summary>
    public static int[][] BatchPlan(int[] subset, int steps, RelearningOptions options)
    {
        var rng = new ForgetSets.SplitMix64(options.Seed + 1);
        var batches = new List<int[]>(steps);
        while (batches.Count < steps)
        {
            var pass = (int[])subset.Clone();
            rng.Shuffle(pass);
            for (int start = 0; start < pass.Length && batches.Count < steps; start += options.BatchSize)
                batches.Add(pass[start..Math.Min(pass.Length, start + options.BatchSize)]);
        }
        return [.. batches];
    }

    /// <summary>
    /// The first scheduled step at which UA ≥ <paramref name="threshold"/>; null when it never does (or no threshold).
    /// Used with threshold = UA of the Original / 2: "steps to recover half of what the Original knew".
    /// </summary>
    public static int? StepsToReach(IReadOnlyList<int> steps, IReadOnlyList<double> ua, double? threshold)
    {
        if (steps.Count != ua.Count) throw new ArgumentException($"{steps.Count} steps but {ua.Count} UA values.");
        if (threshold is not { } t || !double.IsFinite(t)) return null;
        for (int i = 0; i < steps.Count; i++)
            if (ua[i] >= t) return steps[i];
        return null;
    }

    /// <summary>
    /// Runs the attack on <paramref name="model"/> and restores its weights afterwards. SGD (lr, momentum, no weight decay)
    /// on cross-entropy, one batch per step (BatchSize forget samples of the subset plus RetainPerBatch retain samples), with the model in eval mode so that batch-norm statistics stay the model's own
    /// (batches of one class would otherwise overwrite them). UA = accuracy on every sample of <paramref name="forget"/>
    /// (the subset included), measured at each scheduled step.
    /// </summary>
    /// <param name="referenceUA">The Original's UA (its step-0 value); null when the model is the Original: its own step 0 is used.</param>
    /// <param name="retain">The retain set; up to <see cref="RelearningOptions.RetainSamples"/> of it (SplitMix64 seeded Seed + 2, first n of the
    /// shuffle) give RA at each step, which falls when the attack merely collapses the model onto the forget class.</param>
    public static RelearningCurve Run(Classifier model, TensorData train, int[] forget, int[] retain, RelearningOptions options, double? referenceUA,
        IProgress<double>? progress, CancellationToken cancellation)
    {
        options.Validate();
        var subset = DrawSubset(forget, options);
        var retainSample = (int[])retain.Clone();
        new ForgetSets.SplitMix64(options.Seed + 2).Shuffle(retainSample);
        // The shuffle's first RetainSamples measure RA; the ones after them feed the batches, RetainPerBatch per step, cyclically.
        int measured = Math.Min(options.RetainSamples, retainSample.Length);
        var retainFeed = retainSample[measured..].Length > 0 ? retainSample[measured..] : retainSample;
        retainSample = [.. retainSample[..measured].Order()];
        var schedule = options.Schedule;
        var plan = BatchPlan(subset, schedule[^1], options);
        var saved = new Dictionary<string, Tensor>();
        foreach (var (name, value) in model.state_dict()) saved[name] = value.detach().clone();
        var ua = new double[schedule.Length];
        var ra = new double[schedule.Length];
        try
        {
            using var optimizer = optim.SGD(model.parameters(), options.LearningRate, options.Momentum, weight_decay: 0, nesterov: false);
            int next = 0;
            for (int step = 0; step <= schedule[^1]; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                if (step > 0)
                {
                    using var scope = NewDisposeScope();
                    model.eval();
                    var retainPart = options.RetainPerBatch == 0 || retainFeed.Length == 0 ? []
                        : Enumerable.Range((step - 1) * options.RetainPerBatch, options.RetainPerBatch).Select(k => retainFeed[k % retainFeed.Length]);
                    var (x, y) = train.Batch([.. plan[step - 1].Concat(retainPart).Select(i => (long)i)]);
                    optimizer.zero_grad();
                    nn.functional.cross_entropy(model.call(x), y).backward();
                    optimizer.step();
                }
                if (step == schedule[next])
                {
                    ua[next] = Accuracy(model, train, forget, options.EvaluationBatchSize, cancellation);
                    ra[next] = retainSample.Length == 0 ? double.NaN : Accuracy(model, train, retainSample, options.EvaluationBatchSize, cancellation);
                    next++;
                    progress?.Report((double)next / schedule.Length);
                }
            }
        }
        finally
        {
            using (no_grad())
                foreach (var (name, value) in model.state_dict())
                    value.copy_(saved[name]);
            foreach (var t in saved.Values) t.Dispose();
            model.zero_grad();
            model.eval();
        }
        double reference = referenceUA ?? ua[0];
        return new RelearningCurve(subset.Length, options.LearningRate, options.Momentum, options.BatchSize, [.. schedule], ua, reference,
            StepsToReach(schedule, ua, reference / 2)) { RA = retainSample.Length == 0 ? null : ra };
    }

    private static double Accuracy(Classifier model, TensorData data, int[] indexes, int batchSize, CancellationToken cancellation)
    {
        var predicted = Training.Trainer.Predict(model, data, indexes, batchSize, cancellation);
        int correct = 0;
        for (int i = 0; i < indexes.Length; i++) if (predicted[i] == data.Set.Labels[indexes[i]]) correct++;
        return (double)correct / indexes.Length;
    }
}
