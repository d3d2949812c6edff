using System.Diagnostics;
using Unlearning.Core.Data;
using Unlearning.Core.Models;

namespace Unlearning.Core.Evaluation.Depth;

/// <summary>Options of the whole depth evaluation: the relearning recipe and the probe recipe (defaults are the documented ones).</summary>
public sealed record DepthOptions
{
    public RelearningOptions Relearning { get; init; } = new();
    public ProbeOptions Probes { get; init; } = new();
}

/// <summary>Progress of <see cref="DepthEvaluation.Run"/>: the stage in words and the part of the whole run done (0..1).</summary>
public sealed record DepthProgress(string Stage, double Fraction);

/// <summary>
/// Depth of forgetting of one model (docs/metrics.md, "Depth of forgetting"): the linear probes on its frozen features,
/// then the relearning attack on a copy of its weights (the model is left as it was given). The entry point of the
/// Depth job and of command-line benchmarks; reads and writes no files.
/// </summary>
public static class DepthEvaluation
{
    /// <param name="model">The model to measure (any <see cref="Classifier"/>); its weights are restored after the attack.</param>
    /// <param name="train">The train split as tensors (probes and relearning use train samples only).</param>
    /// <param name="split">The forget set's split.</param>
    /// <param name="originalUA">The Original's UA at step 0 of its own relearning curve (the threshold's base); null when
    /// <paramref name="model"/> is the Original.</param>
    public static DepthResults Run(Classifier model, TensorData train, ForgetSplit split, DepthOptions options, double? originalUA,
        IProgress<DepthProgress>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Relearning.Validate();
        options.Probes.Validate();
        if (originalUA is { } o && !(o is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(originalUA), o, "The Original's UA must be in [0, 1].");
        var clock = Stopwatch.StartNew();
        var set = LinearProbe.Draw(split, train.Set.Labels, train.Info.NumClasses, options.Probes);
        // The probes take half the time; the relearning attack the other half.
        var probes = LinearProbe.Run(model, train, set, options.Probes,
            progress is null ? null : new Progress(f => progress.Report(new DepthProgress("Linear probes", 0.5 * f))), cancellation);
        var curve = Relearning.Run(model, train, split.Forget, split.Retain, options.Relearning, originalUA,
            progress is null ? null : new Progress(f => progress.Report(new DepthProgress("Relearning attack", 0.5 + 0.5 * f))), cancellation);
        return new DepthResults(curve, probes, Math.Round(clock.Elapsed.TotalSeconds, 2)).Validate();
    }

    /// <summary>Synchronous progress (System.Progress would post to a thread pool and arrive late and out of order).</summary>
    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
