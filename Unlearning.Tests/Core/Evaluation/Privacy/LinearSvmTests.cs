using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

/// <summary>
/// The one-feature linear SVM of docs/metrics.md, "C-MIA and E-MIA": J(w, b) = ½w² + C·Σ max(0, 1 − y(wx + b)). Expected
/// solutions are worked out by hand in each test; the general case is checked against a brute-force grid of J.
/// </summary>
public class LinearSvmTests
{
    private const int Digits = 6;

    [Fact]
    public void Symmetric_separable_points_with_a_large_C_give_the_hard_margin_w1_b0()
    {
        // x = −1 (non-member), +1 (member). Both margins hold iff w ≥ 1 − |b|-ish; for w < 1 at b = 0 the hinge sum is 2(1 − w)
        // and dJ/dw = w − 2C < 0 with C = 10, so w* = 1; at w = 1 the hinge sum is |b|, so b* = 0. J = 0.5.
        var svm = LinearSvm.Fit([-1.0, 1.0], [false, true], c: 10);
        Assert.Equal(1.0, svm.Weight, Digits);
        Assert.Equal(0.0, svm.Bias, Digits);
        Assert.Equal(0.5, LinearSvm.Objective(svm.Weight, svm.Bias, [-1.0, 1.0], [false, true], 10), Digits);
    }

    [Fact]
    public void A_small_C_trades_margin_violations_for_a_smaller_weight()
    {
        // C = 0.25: for w ≤ 1 the hinge sum at its best b is 2(1 − w) (b anywhere in [w − 1, 1 − w], midpoint 0), so
        // J = ½w² + 0.5(1 − w), dJ/dw = w − 0.5 = 0 ⇒ w* = 0.5, J = 0.125 + 0.25 = 0.375.
        var svm = LinearSvm.Fit([-1.0, 1.0], [false, true], c: 0.25);
        Assert.Equal(0.5, svm.Weight, Digits);
        Assert.Equal(0.0, svm.Bias, Digits);
        Assert.Equal(0.375, LinearSvm.Objective(svm.Weight, svm.Bias, [-1.0, 1.0], [false, true], 0.25), Digits);
    }

    [Fact]
    public void Shifted_points_move_the_bias_to_the_midpoint()
    {
        // x = 2 (non-member), 4 (member): margins 4w + b ≥ 1 and 2w + b ≤ −1 need w ≥ 1; below that the hinge sum is 2 − 2w and
        // dJ/dw = w − 20 < 0 (C = 10), so w* = 1, and at w = 1 the hinge sum is |b + 3|: b* = −3 (boundary at x = 3).
        var svm = LinearSvm.Fit([2.0, 4.0], [false, true], c: 10);
        Assert.Equal(1.0, svm.Weight, Digits);
        Assert.Equal(-3.0, svm.Bias, Digits);
        Assert.False(svm.IsMember(2.9));
        Assert.True(svm.IsMember(3.1));
    }

    [Fact]
    public void Members_with_low_values_get_a_negative_weight()
    {
        // Mirror of the first case: members at −1, non-members at +1 ⇒ w* = −1, b* = 0.
        var svm = LinearSvm.Fit([-1.0, 1.0], [true, false], c: 10);
        Assert.Equal(-1.0, svm.Weight, Digits);
        Assert.Equal(0.0, svm.Bias, Digits);
    }

    [Fact]
    public void Overlapping_data_reaches_the_minimum_of_a_brute_force_grid()
    {
        var rng = new Random(7);
        var x = new List<double>();
        var member = new List<bool>();
        for (int i = 0; i < 60; i++)
        {
            bool m = i % 2 == 0;
            x.Add((m ? 0.7 : 0.4) + 0.25 * (rng.NextDouble() - 0.5) * 2);
            member.Add(m);
        }
        var svm = LinearSvm.Fit(x, member, c: 3);
        double fitted = LinearSvm.Objective(svm.Weight, svm.Bias, x, member, 3);
        // Independent check: no (w, b) on a fine grid around the data's scale does better.
        double best = double.PositiveInfinity;
        for (double w = -40; w <= 40; w += 0.05)
            for (double b = -30; b <= 30; b += 0.05)
                best = Math.Min(best, LinearSvm.Objective(w, b, x, member, 3));
        Assert.True(fitted <= best + 1e-9, $"fitted J = {fitted}, grid minimum {best}");
        Assert.True(svm.Weight > 0, "members have the higher values here");
    }

    [Fact]
    public void The_fit_is_deterministic_and_does_not_depend_on_the_sample_order()
    {
        double[] x = [0.1, 0.35, 0.5, 0.52, 0.8, 0.9, 0.3, 0.65];
        bool[] m = [false, false, true, false, true, true, true, false];
        var a = LinearSvm.Fit(x, m);
        var b = LinearSvm.Fit(x, m);
        var order = new[] { 7, 2, 5, 0, 3, 6, 1, 4 };
        var c = LinearSvm.Fit([.. order.Select(i => x[i])], [.. order.Select(i => m[i])]);
        Assert.Equal(a, b);
        Assert.Equal(a.Weight, c.Weight, 9);
        Assert.Equal(a.Bias, c.Bias, 9);
    }

    [Fact]
    public void A_decision_value_of_exactly_zero_is_a_non_member()
    {
        var svm = new LinearSvm(2, -1);
        Assert.False(svm.IsMember(0.5));
        Assert.True(svm.IsMember(0.5000001));
        Assert.Equal(-1, svm.Decision(0));
    }

    [Fact]
    public void Bad_input_is_refused_with_a_clear_message()
    {
        Assert.Contains("both classes", Assert.Throws<ArgumentException>(() => LinearSvm.Fit([1.0, 2.0], [true, true])).Message);
        Assert.Contains("2 features but 1 labels", Assert.Throws<ArgumentException>(() => LinearSvm.Fit([1.0, 2.0], [true])).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => LinearSvm.Fit([1.0, double.NaN], [true, false])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearSvm.Fit([1.0, 2.0], [true, false], c: 0));
    }
}
