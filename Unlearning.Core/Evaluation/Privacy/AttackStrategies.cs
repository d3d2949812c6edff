namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>One threshold of a merged curve: the stronger direction's point, tagged with that direction.</summary>
public sealed record MergedAttackPoint(double Threshold, double Fpr, double Fnr, double AttackScore, AttackDirection Direction)
{
    /// <summary>The privacy score the attack view shows at this threshold: 1 − attack_score (docs/metrics.md, "Privacy score").</summary>
    public double PrivacyScore => 1 - AttackScore;
}

/// <summary>The worst case of one model: the curve entry with maximal attack score (docs/views.md, "Metric and strategies").</summary>
public sealed record WorstCaseAttack(AttackMetric Metric, AttackDirection Direction, double Threshold, double AttackScore, int Index);

/// <summary>
/// Outcome of the attack at one threshold for the instance panels (docs/metrics.md, "Per-sample attack outcome (attack view)", strict comparisons):
/// with "above ⇒ unlearned", a Retrained sample is a success if r &lt; τ and a model sample if u &gt; τ
/// (mirrored for "above ⇒ Retrained"); a value equal to τ counts as a failure.
/// </summary>
public sealed record AttackOutcome(int RetrainSuccess, int ModelSuccess, int RetrainCount, int ModelCount)
{
    public int Total => RetrainCount + ModelCount;
    public int Success => RetrainSuccess + ModelSuccess;
    public int Failure => Total - Success;

    /// <summary>Success share in percent: success / total × 100 (the panel shows it with 2 dp).</summary>
    public double SuccessPercent => Total == 0 ? 0 : 100.0 * Success / Total;

    public double FailurePercent => Total == 0 ? 0 : 100.0 * Failure / Total;
}

/// <summary>The attack view's threshold strategies (docs/views.md, "Data used", "Metric and strategies", "Privacy score and success/failure grids") as pure functions.</summary>
public static class AttackStrategies
{
    /// <summary>
    /// Merged curve of one metric: at each threshold take the "above ⇒ unlearned" point if its attack score is
    /// strictly greater than the "above ⇒ Retrained" point's, otherwise the retrain point (ties go to retrain).
    /// </summary>
    public static MergedAttackPoint[] Merge(AttackPoint[] aboveUnlearn, AttackPoint[] aboveRetrain)
    {
        if (aboveUnlearn.Length != aboveRetrain.Length) throw new ArgumentException("Curves must have the same thresholds.");
        return aboveUnlearn.Zip(aboveRetrain, (u, r) => u.AttackScore > r.AttackScore
            ? new MergedAttackPoint(u.Threshold, u.Fpr, u.Fnr, u.AttackScore, AttackDirection.AboveUnlearn)
            : new MergedAttackPoint(r.Threshold, r.Fpr, r.Fnr, r.AttackScore, AttackDirection.AboveRetrain)).ToArray();
    }

    /// <summary>The merged curve of <paramref name="metric"/> from the stored four curves.</summary>
    public static MergedAttackPoint[] Merge(AttackCurves curves, AttackMetric metric) =>
        Merge(curves.Get(metric, AttackDirection.AboveUnlearn), curves.Get(metric, AttackDirection.AboveRetrain));

    /// <summary>"Max Attack Score": the first merged point with maximal attack score.</summary>
    public static MergedAttackPoint MaxAttackScore(MergedAttackPoint[] merged)
    {
        if (merged.Length == 0) throw new ArgumentException("Curve is empty.", nameof(merged));
        var best = merged[0];
        foreach (var p in merged) if (p.AttackScore > best.AttackScore) best = p;
        return best;
    }

    /// <summary>
    /// "Max Success Rate": candidates c = ⌊v/step⌋·step and c + step for every retrain and model value v; the
    /// candidate with most correct decisions wins — with "above ⇒ unlearned" #(R ≤ c) + #(U ≥ c), otherwise
    /// #(R ≥ c) + #(U ≤ c). The direction comes from the current threshold's tag. Ties go to the smallest
    /// candidate.
    /// </summary>
    /// <returns>The threshold and its number of correct decisions.</returns>
    public static (double Threshold, int Correct) MaxSuccessRate(double[] retrainValues, double[] modelValues, double step, AttackDirection direction)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), "Step must be positive.");
        var candidates = new SortedSet<double>();
        foreach (var v in retrainValues.Concat(modelValues))
        {
            double c = Math.Floor(v / step) * step;
            candidates.Add(c);
            candidates.Add(c + step);
        }
        if (candidates.Count == 0) throw new ArgumentException("No values.");
        double bestThreshold = double.NaN;
        int bestCorrect = -1;
        foreach (var c in candidates)
        {
            int correct = direction == AttackDirection.AboveUnlearn
                ? retrainValues.Count(r => r <= c) + modelValues.Count(u => u >= c)
                : retrainValues.Count(r => r >= c) + modelValues.Count(u => u <= c);
            if (correct > bestCorrect) (bestThreshold, bestCorrect) = (c, correct);
        }
        return (bestThreshold, bestCorrect);
    }

    /// <summary>
    /// "Common Threshold": the first threshold index maximising attack_score_A(τ) + attack_score_B(τ) over the
    /// two models' merged curves (same thresholds).
    /// </summary>
    public static (double Threshold, int Index) CommonThreshold(MergedAttackPoint[] mergedA, MergedAttackPoint[] mergedB)
    {
        if (mergedA.Length != mergedB.Length || mergedA.Length == 0) throw new ArgumentException("Curves must be non-empty and have the same thresholds.");
        int best = 0;
        for (int i = 1; i < mergedA.Length; i++)
            if (mergedA[i].AttackScore + mergedB[i].AttackScore > mergedA[best].AttackScore + mergedB[best].AttackScore) best = i;
        return (mergedA[best].Threshold, best);
    }

    /// <summary>
    /// "Model X Worst Case": the entry with maximal attack score over all four curves (first in storage order
    /// and threshold order on ties); its privacy score 1 − attack_score equals the subset worst-case PS.
    /// </summary>
    public static WorstCaseAttack WorstCase(AttackCurves curves)
    {
        WorstCaseAttack? best = null;
        foreach (var (metric, direction, points) in curves.All())
            for (int i = 0; i < points.Length; i++)
                if (best is null || points[i].AttackScore > best.AttackScore)
                    best = new WorstCaseAttack(metric, direction, points[i].Threshold, points[i].AttackScore, i);
        return best ?? throw new ArgumentException("Curves are empty.", nameof(curves));
    }

    /// <summary>
    /// Whether the attack decides correctly for one sample at <paramref name="threshold"/> (strict comparisons, see
    /// <see cref="AttackOutcome"/>): the side "above" predicts must lie strictly above τ, the other strictly below.
    /// </summary>
    /// <param name="fromModel">True for the compared model's sample, false for the Retrained model's.</param>
    public static bool IsSuccess(double value, bool fromModel, double threshold, AttackDirection direction) =>
        (direction == AttackDirection.AboveUnlearn) == fromModel ? value > threshold : value < threshold;

    /// <summary>Success and failure counts at <paramref name="threshold"/>: <see cref="IsSuccess"/> counted over both sets.</summary>
    public static AttackOutcome Outcome(double[] retrainValues, double[] modelValues, double threshold, AttackDirection direction) => new(
        retrainValues.Count(r => IsSuccess(r, fromModel: false, threshold, direction)),
        modelValues.Count(u => IsSuccess(u, fromModel: true, threshold, direction)),
        retrainValues.Length, modelValues.Length);

    /// <summary>Snaps a dragged threshold to the metric's step and clamps it to its range (Custom strategy).</summary>
    public static double SnapThreshold(AttackMetric metric, double value)
    {
        var (lo, hi) = AttackScore.Range(metric);
        double step = AttackScore.Step(metric);
        return Math.Clamp(lo + Math.Round((value - lo) / step) * step, lo, hi);
    }

    /// <summary>Default custom threshold: entropy 1.25, confidence 3.75.</summary>
    public static double DefaultThreshold(AttackMetric metric) => metric == AttackMetric.Entropy ? 1.25 : 3.75;
}
