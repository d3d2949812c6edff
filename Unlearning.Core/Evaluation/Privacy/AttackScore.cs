namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>The two MIA signals the attack uses.</summary>
public enum AttackMetric
{
    Entropy,
    Confidence,
}

/// <summary>Which model the attack predicts for values at or above the threshold.</summary>
public enum AttackDirection
{
    /// <summary>"Above τ ⇒ the unlearned model" (positives = unlearned values).</summary>
    AboveUnlearn,

    /// <summary>"Above τ ⇒ the Retrained model" (positives = retrained values).</summary>
    AboveRetrain,
}

/// <summary>One threshold of an attack-score curve. Full precision; rounding to 3 dp happens at export.</summary>
public sealed record AttackPoint(double Threshold, double Fpr, double Fnr, double AttackScore);

/// <summary>
/// The threshold attack of docs/metrics.md, "Attack-score curve": for a direction, positives P are the values of the model predicted
/// "above", negatives N the other model's values; TPR = mean(P ≥ τ), FPR = mean(N ≥ τ), FNR = 1 − TPR, and the
/// attack score turns (FPR, FNR) into a DP-style ε lower bound ε̂ and then into 1 − 2^(−ε̂) (after the NeurIPS
/// 2023 unlearning challenge's "forgetting quality").
/// </summary>
public static class AttackScore
{
    public const double EntropyLow = 0.0;
    public const double EntropyHigh = 2.5;
    public const double ConfidenceLow = -2.5;
    public const double ConfidenceHigh = 10.0;
    public const int ThresholdCount = 51;

    /// <summary>δ of the ε estimate.</summary>
    public const double Delta = 1e-5;

    /// <summary>ε₀: rates are clipped to [ε₀, 1 − δ − ε₀] before taking logarithms.</summary>
    public const double RateFloor = 1e-10;

    /// <summary>The metric's value range [lo, hi] (entropy [0, 2.5], confidence [−2.5, 10]).</summary>
    public static (double Low, double High) Range(AttackMetric metric) => metric == AttackMetric.Entropy
        ? (EntropyLow, EntropyHigh)
        : (ConfidenceLow, ConfidenceHigh);

    /// <summary>Threshold step of the metric's 51 thresholds: 0.05 for entropy, 0.25 for confidence.</summary>
    public static double Step(AttackMetric metric)
    {
        var (lo, hi) = Range(metric);
        return (hi - lo) / (ThresholdCount - 1);
    }

    /// <summary>
    /// Thresholds τᵢ = lo + i·(hi − lo)/(count − 1), the last exactly hi (numpy.linspace's arithmetic).
    /// </summary>
    public static double[] Thresholds(double lo, double hi, int count = ThresholdCount)
    {
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), "Need at least two thresholds.");
        double step = (hi - lo) / (count - 1);
        var t = new double[count];
        for (int i = 0; i < count; i++) t[i] = lo + i * step;
        t[^1] = hi;
        return t;
    }

    /// <summary>
    /// Attack score of one threshold, 1 − f with δ = 1e-5, ε₀ = 1e-10:
    /// f = 0 if FPR = 0 and FNR = 0 (perfect separation); f = 1 if FPR ≥ 1 − δ or FNR ≥ 1 − δ; otherwise with
    /// s_fp = clip(FPR, ε₀, 1 − δ − ε₀), s_fn = clip(FNR, ε₀, 1 − δ − ε₀),
    /// ε̂ = max(0, min(ln(1 − δ − s_fp) − ln s_fn, ln(1 − δ − s_fn) − ln s_fp)) and f = 2^(−ε̂).
    /// </summary>
    public static double Score(double fpr, double fnr)
    {
        double f;
        if (fpr == 0 && fnr == 0) f = 0;
        else if (fpr >= 1 - Delta || fnr >= 1 - Delta) f = 1;
        else
        {
            double sFp = Math.Clamp(fpr, RateFloor, 1 - Delta - RateFloor);
            double sFn = Math.Clamp(fnr, RateFloor, 1 - Delta - RateFloor);
            double eps = Math.Max(0, Math.Min(
                Math.Log(1 - Delta - sFp) - Math.Log(sFn),
                Math.Log(1 - Delta - sFn) - Math.Log(sFp)));
            f = Math.Pow(2, -eps);
        }
        return 1 - f;
    }

    /// <summary>
    /// The attack curve for one direction: both value sets are clipped to [lo, hi]; at each of the
    /// <paramref name="count"/> thresholds τ, TPR = mean(P ≥ τ), FPR = mean(N ≥ τ), FNR = 1 − TPR and the
    /// attack score is <see cref="Score"/>(FPR, FNR).
    /// </summary>
    /// <param name="positives">P: values of the model that "above τ" predicts.</param>
    /// <param name="negatives">N: values of the other model.</param>
    public static AttackPoint[] Curve(double[] positives, double[] negatives, double lo, double hi, int count = ThresholdCount)
    {
        if (positives.Length == 0 || negatives.Length == 0) throw new ArgumentException("Both value sets must be non-empty.");
        if (!(hi > lo)) throw new ArgumentException("Range must have hi > lo.");
        var p = positives.Select(v => Math.Clamp(v, lo, hi)).ToArray();
        var n = negatives.Select(v => Math.Clamp(v, lo, hi)).ToArray();
        return Thresholds(lo, hi, count).Select(tau =>
        {
            double tpr = FractionAtLeast(p, tau);
            double fpr = FractionAtLeast(n, tau);
            double fnr = 1 - tpr;
            return new AttackPoint(tau, fpr, fnr, Score(fpr, fnr));
        }).ToArray();
    }

    /// <summary>The curve of <paramref name="metric"/> in <paramref name="direction"/> over the metric's range.</summary>
    public static AttackPoint[] Curve(AttackMetric metric, AttackDirection direction, double[] unlearnValues, double[] retrainValues)
    {
        var (lo, hi) = Range(metric);
        return direction == AttackDirection.AboveUnlearn
            ? Curve(unlearnValues, retrainValues, lo, hi)
            : Curve(retrainValues, unlearnValues, lo, hi);
    }

    private static double FractionAtLeast(double[] values, double tau)
    {
        int count = 0;
        foreach (var v in values) if (v >= tau) count++;
        return (double)count / values.Length;
    }
}

/// <summary>The four stored attack curves of a model against the Retrained model (docs/metrics.md, "Attack-score curve").</summary>
/// <param name="EntropyAboveUnlearn">Entropy, P = unlearned values, N = retrained values.</param>
/// <param name="EntropyAboveRetrain">Entropy, P = retrained values, N = unlearned values.</param>
/// <param name="ConfidenceAboveRetrain">Confidence, P = retrained values, N = unlearned values.</param>
/// <param name="ConfidenceAboveUnlearn">Confidence, P = unlearned values, N = retrained values.</param>
public sealed record AttackCurves(
    AttackPoint[] EntropyAboveUnlearn,
    AttackPoint[] EntropyAboveRetrain,
    AttackPoint[] ConfidenceAboveRetrain,
    AttackPoint[] ConfidenceAboveUnlearn)
{
    /// <summary>Builds the four curves from per-sample entropy and confidence of both models.</summary>
    public static AttackCurves Compute(double[] unlearnEntropy, double[] unlearnConfidence, double[] retrainEntropy, double[] retrainConfidence) => new(
        AttackScore.Curve(AttackMetric.Entropy, AttackDirection.AboveUnlearn, unlearnEntropy, retrainEntropy),
        AttackScore.Curve(AttackMetric.Entropy, AttackDirection.AboveRetrain, unlearnEntropy, retrainEntropy),
        AttackScore.Curve(AttackMetric.Confidence, AttackDirection.AboveRetrain, unlearnConfidence, retrainConfidence),
        AttackScore.Curve(AttackMetric.Confidence, AttackDirection.AboveUnlearn, unlearnConfidence, retrainConfidence));

    /// <summary>The curve of one metric and direction.</summary>
    public AttackPoint[] Get(AttackMetric metric, AttackDirection direction) => (metric, direction) switch
    {
        (AttackMetric.Entropy, AttackDirection.AboveUnlearn) => EntropyAboveUnlearn,
        (AttackMetric.Entropy, AttackDirection.AboveRetrain) => EntropyAboveRetrain,
        (AttackMetric.Confidence, AttackDirection.AboveRetrain) => ConfidenceAboveRetrain,
        _ => ConfidenceAboveUnlearn,
    };

    /// <summary>The four curves in the original's storage order, each with its metric and direction.</summary>
    public IEnumerable<(AttackMetric Metric, AttackDirection Direction, AttackPoint[] Points)> All()
    {
        yield return (AttackMetric.Entropy, AttackDirection.AboveUnlearn, EntropyAboveUnlearn);
        yield return (AttackMetric.Entropy, AttackDirection.AboveRetrain, EntropyAboveRetrain);
        yield return (AttackMetric.Confidence, AttackDirection.AboveRetrain, ConfidenceAboveRetrain);
        yield return (AttackMetric.Confidence, AttackDirection.AboveUnlearn, ConfidenceAboveUnlearn);
    }
}

/// <summary>The worst-case privacy score (docs/metrics.md, "Privacy score"; stored under the key <c>FQS</c>).</summary>
public static class PrivacyScore
{
    /// <summary>
    /// PS = 1 − max over the four curves and all thresholds of attack_score, clamped to [0, 1]. Higher = more
    /// private (indistinguishable from the Retrained model). Not rounded.
    /// </summary>
    public static double From(AttackCurves curves)
    {
        double max = curves.All().SelectMany(c => c.Points).Max(p => p.AttackScore);
        return Math.Clamp(1 - max, 0, 1);
    }

    /// <summary>PS of matched value sets (see docs/metrics.md): the four curves of both signals, then <see cref="From(AttackCurves)"/>.</summary>
    public static double Compute(double[] unlearnEntropy, double[] unlearnConfidence, double[] retrainEntropy, double[] retrainConfidence) =>
        From(AttackCurves.Compute(unlearnEntropy, unlearnConfidence, retrainEntropy, retrainConfidence));

    /// <summary>
    /// The table's PS: a model's signals on every forget-class train sample against the Retrained model's on the same
    /// samples (<see cref="Compute"/>); null when the Retrained model's sets are empty or not matched in length.
    /// </summary>
    public static double? Matched(double[] unlearnEntropy, double[] unlearnConfidence, double[] retrainEntropy, double[] retrainConfidence) =>
        retrainEntropy.Length == 0 || retrainEntropy.Length != unlearnEntropy.Length
            ? null
            : Compute(unlearnEntropy, unlearnConfidence, retrainEntropy, retrainConfidence);

    /// <summary>The four subset attack curves of a model's forget-class values against the Retrained model's.</summary>
    public static AttackCurves SubsetCurves(IReadOnlyList<AttackValue> model, IReadOnlyList<AttackValue> retrained) => AttackCurves.Compute(
        [.. model.Select(v => v.Entropy)], [.. model.Select(v => v.Confidence)],
        [.. retrained.Select(v => v.Entropy)], [.. retrained.Select(v => v.Confidence)]);
}
