namespace Unlearning.Core.Evaluation.Depth;

/// <summary>
/// The depth-of-forgetting results of one model (docs/metrics.md, "Depth of forgetting"; stored as <c>depth.json</c> and
/// exported under the key <c>depth</c>, docs/results-format.md).
/// </summary>
/// <param name="Relearning">The relearning curve.</param>
/// <param name="Probes">Held-out probe accuracy per CKA layer.</param>
/// <param name="Seconds">Wall time of the whole evaluation.</param>
public sealed record DepthResults(RelearningCurve Relearning, ProbeProfile Probes, double Seconds)
{
    /// <summary>Format version of the stored object.</summary>
    public int Version { get; init; } = 1;

    /// <summary>
    /// Checks a stored or imported object: every number finite, accuracies in [0, 1], lengths that match, steps from 0
    /// ascending. Throws <see cref="InvalidDataException"/> naming the first problem.
    /// </summary>
    public DepthResults Validate()
    {
        static InvalidDataException Bad(string message) => new($"Invalid depth results: {message}");
        if (Version != 1) throw Bad($"unknown version {Version} (this server reads version 1).");
        if (!double.IsFinite(Seconds) || Seconds < 0) throw Bad("'seconds' must be a finite number ≥ 0.");
        var r = Relearning ?? throw Bad("'relearning' is missing.");
        if (r.Steps is null || r.UA is null) throw Bad("'relearning' needs 'steps' and 'ua'.");
        if (r.Steps.Length == 0 || r.Steps.Length != r.UA.Length) throw Bad($"'relearning' has {r.Steps?.Length} steps but {r.UA?.Length} UA values.");
        if (r.Steps[0] != 0 || r.Steps.Zip(r.Steps.Skip(1)).Any(p => p.Second <= p.First)) throw Bad("'relearning.steps' must start at 0 and increase strictly.");
        if (r.UA.Any(v => !IsUnit(v))) throw Bad("'relearning.ua' values must be numbers in [0, 1].");
        if (r.RA is { } ra && (ra.Length != r.Steps.Length || ra.Any(v => !IsUnit(v)))) throw Bad($"'relearning.ra' must have one number in [0, 1] per step ({r.Steps.Length}).");
        if (r.ReferenceUA is { } reference && !IsUnit(reference)) throw Bad("'relearning.reference_ua' must be a number in [0, 1].");
        if (r.StepsToHalfReference is { } s && !r.Steps.Contains(s)) throw Bad("'relearning.steps_to_half_reference' must be one of the steps.");
        if (r.SubsetSize < 1) throw Bad("'relearning.subset_size' must be ≥ 1.");
        if (!double.IsFinite(r.LearningRate) || r.LearningRate <= 0 || !double.IsFinite(r.Momentum) || r.Momentum < 0 || r.BatchSize < 1)
            throw Bad("'relearning' recipe values (learning_rate, momentum, batch_size) are out of range.");
        var p = Probes ?? throw Bad("'probes' is missing.");
        if (p.Layers is null || p.Accuracy is null || p.Layers.Length == 0 || p.Layers.Length != p.Accuracy.Length)
            throw Bad($"'probes' has {p.Layers?.Length} layers but {p.Accuracy?.Length} accuracies.");
        if (p.Layers.Any(string.IsNullOrWhiteSpace) || p.Layers.Any(l => l.Length > 64)) throw Bad("'probes.layers' must be names of at most 64 characters.");
        if (p.Accuracy.Any(v => !IsUnit(v)) || !IsUnit(p.Chance)) throw Bad("'probes' accuracies and chance must be numbers in [0, 1].");
        if (!ProbeTargets.All.Contains(p.Target)) throw Bad($"unknown probe target '{p.Target}'.");
        if (p.TrainSamples < 1 || p.TestSamples < 1) throw Bad("'probes' sample counts must be ≥ 1.");
        return this;
    }

    private static bool IsUnit(double v) => double.IsFinite(v) && v is >= 0 and <= 1;
}

/// <summary>UA of the relearning attack after each scheduled step (docs/metrics.md, "Relearning attack").</summary>
/// <param name="SubsetSize">Forget samples the attack fine-tuned on.</param>
/// <param name="Steps">Scheduled steps, from 0 (before any step).</param>
/// <param name="UA">UA (accuracy on the forget set) after each scheduled step.</param>
/// <param name="ReferenceUA">The Original's UA, the threshold's base.</param>
/// <param name="StepsToHalfReference">First scheduled step with UA ≥ ReferenceUA / 2; null if never within the schedule.</param>
public sealed record RelearningCurve(int SubsetSize, double LearningRate, double Momentum, int BatchSize, int[] Steps, double[] UA,
    double? ReferenceUA, int? StepsToHalfReference)
{
    /// <summary>Accuracy on a fixed sample of retain samples after each scheduled step (optional): a fall means the attack collapsed the model onto the forget class.</summary>
    public double[]? RA { get; init; }
}

/// <summary>Held-out accuracy of the linear probe of each CKA layer (docs/metrics.md, "Linear probes").</summary>
/// <param name="Target">What the probe predicts (<see cref="ProbeTargets"/>).</param>
/// <param name="Layers">The CKA layer names, in network order.</param>
/// <param name="Accuracy">Held-out accuracy per layer.</param>
/// <param name="Chance">Accuracy of always predicting the held-out set's most frequent label.</param>
public sealed record ProbeProfile(string Target, string[] Layers, double[] Accuracy, double Chance, int TrainSamples, int TestSamples);
