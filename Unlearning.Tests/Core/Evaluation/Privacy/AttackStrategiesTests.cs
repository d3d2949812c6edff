using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

public class AttackStrategiesTests
{
    private static AttackPoint[] Points(params double[] scores) =>
        scores.Select((s, i) => new AttackPoint(i * 0.5, 0.1 * i, 0.2, s)).ToArray();

    [Fact]
    public void Merge_takes_the_stronger_direction_per_threshold_and_ties_go_to_retrain()
    {
        var merged = AttackStrategies.Merge(Points(0.1, 0.5, 0.3), Points(0.2, 0.5, 0.1));
        Assert.Equal(new[] { 0.2, 0.5, 0.3 }, merged.Select(p => p.AttackScore));
        Assert.Equal(new[] { AttackDirection.AboveRetrain, AttackDirection.AboveRetrain, AttackDirection.AboveUnlearn }, merged.Select(p => p.Direction));
        Assert.Equal(0.7, merged[2].PrivacyScore, 12);
    }

    [Fact]
    public void Max_attack_score_picks_the_first_maximum()
    {
        var merged = AttackStrategies.Merge(Points(0.1, 0.5, 0.5), Points(0.2, 0.0, 0.1));
        Assert.Equal(0.5, AttackStrategies.MaxAttackScore(merged).Threshold);
    }

    [Fact]
    public void Common_threshold_maximises_the_sum_of_both_models()
    {
        var a = AttackStrategies.Merge(Points(0.2, 0.5, 0.3), Points(0, 0, 0));
        var b = AttackStrategies.Merge(Points(0.6, 0.0, 0.3), Points(0, 0, 0));
        Assert.Equal((0.0, 0), AttackStrategies.CommonThreshold(a, b));
        var c = AttackStrategies.Merge(Points(0.0, 0.4, 0.3), Points(0, 0, 0));
        Assert.Equal((0.5, 1), AttackStrategies.CommonThreshold(a, c));
    }

    [Fact]
    public void Worst_case_searches_all_four_curves()
    {
        var curves = new AttackCurves(Points(0.1, 0.2, 0.3), Points(0.4, 0.1, 0.0), Points(0.0, 0.5, 0.2), Points(0.0, 0.1, 0.7));
        var worst = AttackStrategies.WorstCase(curves);
        Assert.Equal(new WorstCaseAttack(AttackMetric.Confidence, AttackDirection.AboveUnlearn, 1.0, 0.7, 2), worst);
        Assert.Equal(1 - worst.AttackScore, PrivacyScore.From(curves), 12);
    }

    [Fact]
    public void Max_success_rate_counts_correct_decisions_over_snapped_candidates()
    {
        double[] retrain = [0.1, 0.3], model = [1.0, 1.2];
        // Candidates 0, 0.25, 0.5, 1.0, 1.25; above ⇒ model: #(R ≤ c) + #(U ≥ c) = 2, 3, 4, 4, 2.
        Assert.Equal((0.5, 4), AttackStrategies.MaxSuccessRate(retrain, model, 0.25, AttackDirection.AboveUnlearn));
        // above ⇒ retrained: #(R ≥ c) + #(U ≤ c) = 2, 1, 0, 1, 2.
        Assert.Equal((0.0, 2), AttackStrategies.MaxSuccessRate(retrain, model, 0.25, AttackDirection.AboveRetrain));
    }

    [Fact]
    public void Outcome_uses_strict_comparisons()
    {
        double[] retrain = [0.1, 0.5, 1.0], model = [0.5, 2.0];
        var above = AttackStrategies.Outcome(retrain, model, 0.5, AttackDirection.AboveUnlearn);
        Assert.Equal((1, 1, 2, 3), (above.RetrainSuccess, above.ModelSuccess, above.Success, above.Failure));
        Assert.Equal(40.0, above.SuccessPercent, 12);
        var below = AttackStrategies.Outcome(retrain, model, 0.5, AttackDirection.AboveRetrain);
        Assert.Equal((1, 0, 1, 4), (below.RetrainSuccess, below.ModelSuccess, below.Success, below.Failure));
    }

    [Fact]
    public void Custom_threshold_snaps_to_step_and_range()
    {
        Assert.Equal(1.25, AttackStrategies.SnapThreshold(AttackMetric.Entropy, 1.26), 12);
        Assert.Equal(10.0, AttackStrategies.SnapThreshold(AttackMetric.Confidence, 11));
        Assert.Equal(0.0, AttackStrategies.SnapThreshold(AttackMetric.Entropy, -1));
        Assert.Equal(3.75, AttackStrategies.DefaultThreshold(AttackMetric.Confidence));
    }

    [Theory]
    // "Above ⇒ unlearned": a model sample succeeds above τ, a Retrained sample below; a value equal to τ fails either way.
    [InlineData(0.6, true, AttackDirection.AboveUnlearn, true)]
    [InlineData(0.4, true, AttackDirection.AboveUnlearn, false)]
    [InlineData(0.4, false, AttackDirection.AboveUnlearn, true)]
    [InlineData(0.6, false, AttackDirection.AboveUnlearn, false)]
    [InlineData(0.5, true, AttackDirection.AboveUnlearn, false)]
    [InlineData(0.5, false, AttackDirection.AboveUnlearn, false)]
    // "Above ⇒ Retrained": mirrored.
    [InlineData(0.4, true, AttackDirection.AboveRetrain, true)]
    [InlineData(0.6, false, AttackDirection.AboveRetrain, true)]
    [InlineData(0.6, true, AttackDirection.AboveRetrain, false)]
    [InlineData(0.5, false, AttackDirection.AboveRetrain, false)]
    public void Per_sample_success_is_strict_and_mirrors_with_the_direction(double value, bool fromModel, AttackDirection direction, bool expected) =>
        Assert.Equal(expected, AttackStrategies.IsSuccess(value, fromModel, 0.5, direction));
}
