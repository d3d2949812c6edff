using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

public class AttackScoreTests
{
    [Fact]
    public void Perfect_separation_scores_one()
    {
        Assert.Equal(1.0, AttackScore.Score(0, 0));
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(0.999995, 0.2)]
    [InlineData(0.3, 0.99999)]
    public void A_rate_at_one_scores_zero(double fpr, double fnr)
    {
        Assert.Equal(0.0, AttackScore.Score(fpr, fnr));
    }

    [Fact]
    public void Middle_case_matches_hand_computation()
    {
        // FPR 0.25, FNR 0.5: ε̂ = min(ln(0.74999/0.5), ln(0.49999/0.25)) = ln 1.49998 ≈ 0.405452;
        // f = 2^(−0.405452) = 0.755000; score = 0.245000.
        Assert.Equal(0.245000, AttackScore.Score(0.25, 0.5), 5);
    }

    [Fact]
    public void Chance_level_rates_score_zero()
    {
        Assert.Equal(0.0, AttackScore.Score(0.5, 0.5));
        Assert.Equal(0.0, AttackScore.Score(0.3, 0.7));
    }

    [Fact]
    public void Thresholds_are_linspace_with_exact_ends()
    {
        var t = AttackScore.Thresholds(AttackScore.ConfidenceLow, AttackScore.ConfidenceHigh);
        Assert.Equal(51, t.Length);
        Assert.Equal(-2.5, t[0]);
        Assert.Equal(3.75, t[25], 12);
        Assert.Equal(10.0, t[50]);
        Assert.Equal(0.05, AttackScore.Step(AttackMetric.Entropy), 12);
        Assert.Equal(0.25, AttackScore.Step(AttackMetric.Confidence), 12);
    }

    [Fact]
    public void Curve_clips_values_and_counts_at_or_above_threshold()
    {
        var positives = new[] { 0.1, 0.2, 2.0, 3.0 };
        var negatives = new[] { 0.0, 0.05 };
        var curve = AttackScore.Curve(positives, negatives, 0, 2.5);
        Assert.Equal(51, curve.Length);

        // τ = 0: everything is above → FPR = 1 → score 0.
        Assert.Equal(new AttackPoint(0, 1, 0, 0), curve[0]);
        // τ = 0.1: all positives, no negatives → perfect separation.
        Assert.Equal(0.1, curve[2].Threshold, 12);
        Assert.Equal((0.0, 0.0, 1.0), (curve[2].Fpr, curve[2].Fnr, curve[2].AttackScore));
        // τ = 2.5: only 3.0 (clipped to 2.5) is above: TPR 0.25, FPR 0 → s_fp = 1e-10, s_fn = 0.75,
        // ε̂ = ln(0.99999/0.75) = 0.287672, f = 2^(−0.287672) = 0.819223.
        var last = curve[50];
        Assert.Equal((2.5, 0.0, 0.75), (last.Threshold, last.Fpr, last.Fnr));
        Assert.Equal(0.180777, last.AttackScore, 5);
    }

    [Fact]
    public void Curves_follow_the_direction_semantics()
    {
        var unlearn = Enumerable.Repeat(2.0, 10).ToArray();
        var retrain = Enumerable.Repeat(0.1, 10).ToArray();
        var curves = AttackCurves.Compute(unlearn, unlearn, retrain, retrain);

        // Unlearned values are high: "above ⇒ unlearned" separates perfectly, "above ⇒ retrained" never scores.
        Assert.Equal(1.0, curves.EntropyAboveUnlearn.Max(p => p.AttackScore));
        Assert.Equal(0.0, curves.EntropyAboveRetrain.Max(p => p.AttackScore));
        Assert.Equal(1.0, curves.ConfidenceAboveUnlearn.Max(p => p.AttackScore));
        Assert.Equal(0.0, curves.ConfidenceAboveRetrain.Max(p => p.AttackScore));
        // Positives of entropy_above_retrain are the retrain values: at τ = 0.05 TPR = 1 (FNR 0), FPR = 1.
        Assert.Equal((1.0, 0.0), (curves.EntropyAboveRetrain[1].Fpr, curves.EntropyAboveRetrain[1].Fnr));
        Assert.Equal(0.0, PrivacyScore.From(curves));
    }

    [Fact]
    public void Identical_distributions_have_privacy_score_one()
    {
        var values = Enumerable.Range(0, 40).Select(i => i * 0.06).ToArray();
        var confidence = values.Select(v => v * 4 - 2).ToArray();
        Assert.Equal(1.0, PrivacyScore.Compute(values, confidence, values, confidence));
    }

    [Fact]
    public void Privacy_score_is_one_minus_the_largest_attack_score()
    {
        // Entropy: U = {0.5, 1.5}, R = {0.5, 0.5}. Above ⇒ unlearned at τ ∈ (0.5, 1.5]: TPR 0.5, FPR 0 →
        // ε̂ = ln(0.99999/0.5) ≈ 0.693137 → f = 2^(−0.693137) = 0.618507, score 0.381493 (the largest over all
        // curves; the other direction and the identical confidences never score).
        var curves = AttackCurves.Compute(new[] { 0.5, 1.5 }, new[] { 0.0, 0.0 }, new[] { 0.5, 0.5 }, new[] { 0.0, 0.0 });
        Assert.Equal(0.618507, PrivacyScore.From(curves), 5);
    }
}
