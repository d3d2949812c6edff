using Unlearning.Core.Evaluation.Privacy;
using Unlearning.Web.Components.Attack;

namespace Unlearning.Tests.Web.Components.Attack;

/// <summary>
/// Fixture: Retrained entropies R = {1.02, 1.12, 0.31}, model entropies U = {0.22, 0.41, 1.33}. Model A's merged
/// entropy curve scores 0.1 ("above ⇒ unlearn") everywhere except 0.7 at index 10 (τ = 0.50, "above ⇒ retrain")
/// and 0.6 at index 30 (τ = 1.50); Model B's scores 0.1 except 0.5 at index 20 (τ = 1.00) and 0.45 at index 30.
/// </summary>
public class AttackViewModelTests
{
    private static AttackSideData SideA() => AttackSideData.From(ViewFixtures.Retrained(), ViewFixtures.ModelA())!;
    private static AttackSideData SideB() => AttackSideData.From(ViewFixtures.Retrained(), ViewFixtures.ModelB())!;

    [Fact]
    public void Custom_threshold_snaps_to_the_step()
    {
        Assert.Equal(1.25, AttackViewModel.ThresholdFor(ThresholdStrategy.Custom, AttackMetric.Entropy, SideA(), SideB(), 1.26, 1.25), 9);
        Assert.Equal(3.75, AttackViewModel.ThresholdFor(ThresholdStrategy.Custom, AttackMetric.Confidence, SideA(), SideB(), 3.8, 3.75), 9);
    }

    [Fact]
    public void Max_attack_score_is_the_merged_curves_peak()
    {
        // A: the retrain-direction peak 0.7 at τ = 0.50 beats the unlearn peak 0.6 at 1.50.
        Assert.Equal(0.5, AttackViewModel.ThresholdFor(ThresholdStrategy.MaxAttackScore, AttackMetric.Entropy, SideA(), SideB(), 1.25, 1.25), 9);
        // B: 0.5 at τ = 1.00.
        Assert.Equal(1.0, AttackViewModel.ThresholdFor(ThresholdStrategy.MaxAttackScore, AttackMetric.Entropy, SideB(), SideA(), 1.25, 1.25), 9);
    }

    [Fact]
    public void Common_threshold_maximises_the_sum_of_both_sides()
    {
        // Sums: τ = 0.50: 0.7 + 0.1 = 0.8; τ = 1.00: 0.1 + 0.5 = 0.6; τ = 1.50: 0.6 + 0.45 = 1.05; elsewhere 0.2.
        Assert.Equal(1.5, AttackViewModel.ThresholdFor(ThresholdStrategy.CommonThreshold, AttackMetric.Entropy, SideA(), SideB(), 1.25, 1.25), 9);
        Assert.Equal(1.5, AttackViewModel.ThresholdFor(ThresholdStrategy.CommonThreshold, AttackMetric.Entropy, SideB(), SideA(), 1.25, 1.25), 9);
        // Without the other side it is the side's own peak.
        Assert.Equal(0.5, AttackViewModel.ThresholdFor(ThresholdStrategy.CommonThreshold, AttackMetric.Entropy, SideA(), null, 1.25, 1.25), 9);
    }

    [Fact]
    public void Max_success_rate_counts_correct_decisions_over_the_candidates()
    {
        // Direction at τ = 1.25 is "above ⇒ unlearn": correct = #(R ≤ c) + #(U ≥ c). Candidates (⌊v/0.05⌋·0.05 and +0.05):
        // 0.20→0+3=3, 0.25→0+2, 0.30→0+2, 0.35→1+2=3, 0.40→1+2=3, 0.45→1+1, 1.00→1+1, 1.05→2+1=3, 1.10→2+1=3,
        // 1.15→3+1=4, 1.30→3+1=4, 1.35→3+0. First best: 1.15.
        Assert.Equal(1.15, AttackViewModel.ThresholdFor(ThresholdStrategy.MaxSuccessRate, AttackMetric.Entropy, SideA(), SideB(), 1.25, 1.25), 9);
    }

    [Fact]
    public void Outcome_at_the_custom_threshold_counts_successes_and_failures()
    {
        var v = AttackViewModel.Build(SideA(), AttackMetric.Entropy, 1.25);
        Assert.Equal(AttackDirection.AboveUnlearn, v.Direction);
        // Above ⇒ model: Retrained successes r < 1.25 → all 3; model successes u > 1.25 → only 1.33.
        Assert.Equal(4, v.Successes.Count);
        Assert.Equal(2, v.Failures.Count);
        Assert.Equal([100, 101], v.Failures.Select(s => s.Img));
        Assert.All(v.Failures, s => Assert.True(s.FromModel));
        Assert.Equal(4, v.Outcome.Success);
        Assert.Equal(100.0 * 4 / 6, v.Outcome.SuccessPercent, 9);
        // Privacy score = 1 − 0.1 at τ = 1.25.
        Assert.Equal(0.9, v.PrivacyScore, 9);
    }

    [Fact]
    public void Outcome_in_the_retrain_direction_mirrors_the_comparisons()
    {
        var v = AttackViewModel.Build(SideA(), AttackMetric.Entropy, 0.5);
        Assert.Equal(AttackDirection.AboveRetrain, v.Direction);
        // Above ⇒ Retrained: r > 0.5 → 1.02, 1.12; u < 0.5 → 0.22, 0.41.
        Assert.Equal([100, 101, 100, 101], v.Successes.Select(s => s.Img));
        Assert.Equal(2, v.Failures.Count);
        Assert.Equal(1 - 0.7, v.PrivacyScore, 9);
        // Retrained 0.31 is a failure → predicted "model"; model 1.33 is a failure → predicted "Retrained".
        Assert.True(v.Failures.Single(s => !s.FromModel).PredictedModel);
        Assert.False(v.Failures.Single(s => s.FromModel).PredictedModel);
    }

    [Fact]
    public void Butterfly_bins_use_the_step_and_clamp_out_of_range_values()
    {
        var v = AttackViewModel.Build(SideA(), AttackMetric.Entropy, 1.25);
        Assert.Equal(50, v.Bins.Count);
        // 1.02 → bin 20 [1.00, 1.05), 1.12 → 22, 0.31 → 6; model 0.22 → 4, 0.41 → 8, 1.33 → 26.
        Assert.Equal([6, 20, 22], v.Bins.Where(b => b.Retrained.Count > 0).Select(b => b.Index));
        Assert.Equal([4, 8, 26], v.Bins.Where(b => b.Model.Count > 0).Select(b => b.Index));
        Assert.Equal(1.0, v.Bins[20].Low, 9);

        var c = AttackViewModel.Build(SideA(), AttackMetric.Confidence, 3.75);
        // Confidence 12 (> 10) goes into the 9.75 bin; −3 (< −2.5) into the first.
        Assert.Equal(9.75, c.Bins.Single(b => b.Model.Any(s => s.Value == 12.0)).Low, 9);
        Assert.Equal(0, c.Bins.Single(b => b.Retrained.Any(s => s.Value == -3.0)).Index);
        Assert.Equal(1, c.MaxBinCount);
    }

    [Fact]
    public void Worst_case_of_model_A_is_its_confidence_peak()
    {
        var w = AttackStrategies.WorstCase(SideA().Curves);
        Assert.Equal(AttackMetric.Confidence, w.Metric);
        Assert.Equal(-2.5 + 20 * 0.25, w.Threshold, 9);
        Assert.Equal(0.8, w.AttackScore, 9);
    }

    [Fact]
    public void Dragging_maps_the_pointer_height_to_a_snapped_clamped_threshold()
    {
        // Entropy spans 0–2.5 from bottom to top in steps of 0.05.
        Assert.Equal(2.5, AttackViewModel.ThresholdAtFraction(AttackMetric.Entropy, 0), 9);
        Assert.Equal(0.0, AttackViewModel.ThresholdAtFraction(AttackMetric.Entropy, 1), 9);
        Assert.Equal(1.75, AttackViewModel.ThresholdAtFraction(AttackMetric.Entropy, 0.3), 9);
        // 2.5 − 0.405 · 2.5 = 1.4875, nearer 1.50 than 1.45.
        Assert.Equal(1.5, AttackViewModel.ThresholdAtFraction(AttackMetric.Entropy, 0.405), 9);
        // Outside the plot: clamped to the range.
        Assert.Equal(0.0, AttackViewModel.ThresholdAtFraction(AttackMetric.Entropy, 1.3), 9);
        Assert.Equal(2.5, AttackViewModel.ThresholdAtFraction(AttackMetric.Entropy, -0.2), 9);
        // Confidence spans −2.5–10 in steps of 0.25: 10 − 0.115 · 12.5 = 8.5625 → 8.50.
        Assert.Equal(8.5, AttackViewModel.ThresholdAtFraction(AttackMetric.Confidence, 0.115), 9);
        Assert.Equal(3.75, AttackViewModel.ThresholdAtFraction(AttackMetric.Confidence, 0.5), 9);
    }

    [Fact]
    public void Butterfly_layout_keeps_circle_size_and_pans_by_the_overflow()
    {
        // Rows 7.6 high: radius min(3.3, 3.8 − 0.2) = 3.3, spacing 7.2. 40 model circles need 288 of 100: 188 over.
        var wide = ButterflyLayout.For(maxRetrained: 3, maxModel: 40, halfWidth: 100, rowHeight: 7.6);
        Assert.Equal(3.3, wide.Radius, 9);
        Assert.Equal(7.2, wide.Spacing, 9);
        Assert.Equal(-188, wide.PanMin, 9);
        Assert.Equal(0, wide.PanMax, 9);
        Assert.True(wide.CanPan);
        // Thin rows shrink the circles (radius 2 − 0.2 = 1.8, spacing 4.2); 30 Retrained circles need 126 of 100.
        var thin = ButterflyLayout.For(maxRetrained: 30, maxModel: 10, halfWidth: 100, rowHeight: 4);
        Assert.Equal(1.8, thin.Radius, 9);
        Assert.Equal(26, thin.PanMax, 9);
        Assert.Equal(0, thin.PanMin, 9);
        // Everything fits: no panning.
        Assert.False(ButterflyLayout.For(5, 5, 100, 7.6).CanPan);
    }

    [Fact]
    public void Butterfly_legend_has_the_four_source_and_prediction_combinations()
    {
        var legend = AttackViewModel.Legend("Model A", "#10B981", "#C8EBDA");
        Assert.Equal(
            ["From Retrained / Pred. Retrained", "From Model A / Pred. Retrained", "From Retrained / Pred. Model A", "From Model A / Pred. Model A"],
            legend.Select(e => e.Label));
        // Predicted Retrained → light colours; predicted the model → the full colours (docs/views.md, "Butterfly plot", "Colours and legends").
        Assert.Equal(["#D4D4D4", "#C8EBDA", "#6a6a6a", "#10B981"], legend.Select(e => e.Color));
        Assert.Equal([false, true, false, true], legend.Select(e => e.FromModel));
        Assert.Equal([false, false, true, true], legend.Select(e => e.PredictedModel));
    }

    [Fact]
    public void Thumbnail_strip_orders_distinct_images_and_offsets_each_by_its_position()
    {
        var strip = new ThumbnailStrip([42, 7, 42, 19, 7]);
        Assert.Equal([7, 19, 42], strip.Images);
        Assert.Equal("/api/images/fashion-mnist/train/strip?ids=7,19,42", strip.Url("fashion-mnist"));
        Assert.Equal("0 0", strip.BackgroundPosition(7, 20));
        Assert.Equal("-40px 0", strip.BackgroundPosition(42, 20));
        Assert.Equal("60px 20px", strip.BackgroundSize(20));
    }

    [Fact]
    public void The_retrained_model_against_itself_has_computed_curves_with_privacy_score_one_everywhere()
    {
        // Identical values on both sides: FPR = TPR at every τ, so FNR = 1 − FPR, ε̂ = max(0, ln(1 − δ − FPR) − ln(1 − FPR)) = 0,
        // f = 1 and the attack score is 0 at all 51 thresholds of all four curves (docs/metrics.md, "Attack-score curve").
        var retrained = ViewFixtures.Retrained();
        retrained.Attack!.Results.Clear();
        var side = AttackSideData.From(retrained, retrained)!;
        Assert.True(side.CurvesComputed);
        foreach (var curve in new[] { side.Curves.EntropyAboveUnlearn, side.Curves.EntropyAboveRetrain, side.Curves.ConfidenceAboveRetrain, side.Curves.ConfidenceAboveUnlearn })
            Assert.All(curve, p => Assert.Equal(0, p.AttackScore, 12));
        var view = AttackViewModel.Build(side, AttackMetric.Entropy, 1.25);
        Assert.Equal(1.0, view.PrivacyScore, 12);
    }

    [Fact]
    public void A_model_without_stored_curves_gets_the_curves_the_evaluation_would_store()
    {
        var model = ViewFixtures.ModelA();
        model.Attack!.Results.Clear();
        var side = AttackSideData.From(ViewFixtures.Retrained(), model)!;
        Assert.True(side.CurvesComputed);
        var expected = PrivacyScore.SubsetCurves(model.Attack.Values, ViewFixtures.Retrained().Attack!.Values);
        Assert.Equal(expected.EntropyAboveUnlearn.Select(p => p.AttackScore), side.Curves.EntropyAboveUnlearn.Select(p => p.AttackScore));
        Assert.False(SideA().CurvesComputed);
        // No values on the model's side: nothing to draw.
        model.Attack.Values.Clear();
        Assert.Null(AttackSideData.From(ViewFixtures.Retrained(), model));
    }
}
