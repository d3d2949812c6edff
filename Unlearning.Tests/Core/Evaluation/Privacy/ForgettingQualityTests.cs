using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

/// <summary>
/// Forgetting quality (docs/metrics.md, "Forgetting quality") against values worked out by hand from the definition.
/// </summary>
public class ForgettingQualityTests
{
    private const double Delta = 1e-5;

    [Fact]
    public void Logit_scaled_confidence_of_equal_logits_is_zero()
    {
        Assert.Equal(0, ForgettingQuality.LogitScaledConfidence([0f, 0f], 0), 12);
    }

    [Fact]
    public void Logit_scaled_confidence_is_log_odds_of_the_true_class()
    {
        // softmax(ln 3, 0, 0) = (3/5, 1/5, 1/5): φ = ln(3/5) − ln(2/5) = ln 1.5.
        Assert.Equal(Math.Log(1.5), ForgettingQuality.LogitScaledConfidence([(float)Math.Log(3), 0f, 0f], 0), 6);
        // The same logits seen from a wrong class: ln(1/5) − ln(4/5) = −ln 4.
        Assert.Equal(-Math.Log(4), ForgettingQuality.LogitScaledConfidence([(float)Math.Log(3), 0f, 0f], 1), 6);
    }

    [Fact]
    public void Logit_scaled_confidence_stays_finite_when_a_probability_underflows()
    {
        // e^−1000 underflows to 0; the 1e−45 guards give ±ln(1e−45) instead of infinities.
        double guard = Math.Log(1e-45);
        Assert.Equal(-guard, ForgettingQuality.LogitScaledConfidence([1000f, 0f], 0), 9);
        Assert.Equal(guard, ForgettingQuality.LogitScaledConfidence([1000f, 0f], 1), 9);
        Assert.True(double.IsNaN(ForgettingQuality.LogitScaledConfidence([float.NaN, 0f], 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgettingQuality.LogitScaledConfidence([0f, 0f], 2));
    }

    [Theory]
    [InlineData(2, 0)]      // ln 1 = 0
    [InlineData(3, 1)]      // ln 2 = 0.69
    [InlineData(4, 2)]      // ln 3 = 1.10
    [InlineData(8, 2)]      // ln 7 = 1.95
    [InlineData(9, 3)]      // ln 8 = 2.08
    [InlineData(21, 3)]     // ln 20 = 2.996
    [InlineData(22, 4)]     // ln 21 = 3.04
    public void Max_epsilon_is_the_ceiling_of_ln_k_minus_one(int k, double expected)
    {
        Assert.Equal(expected, ForgettingQuality.MaxEpsilon(k));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.49, 1.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.99, 0.5)]
    [InlineData(1.0, 0.25)]
    [InlineData(1.5, 0.125)]
    [InlineData(1.9999, 0.125)]
    [InlineData(2.0, 0.0)]
    [InlineData(50.0, 0.0)]
    public void Points_at_k_eight_are_one_half_quarter_eighth_or_zero(double epsilon, double expected)
    {
        Assert.Equal(expected, ForgettingQuality.Points(epsilon, 8));
    }

    [Fact]
    public void Two_models_per_group_never_earn_points()
    {
        Assert.Equal(0, ForgettingQuality.Points(0, 2));
        var r = ForgettingQuality.Score([[1.0, 2.0], [1.5, 2.5]], [[1.0, 2.0], [1.5, 2.5]]);
        Assert.Equal(0, r.F);
    }

    [Fact]
    public void Rule_epsilon_follows_the_definition()
    {
        Assert.Equal(double.PositiveInfinity, ForgettingQuality.RuleEpsilon(0, 0));
        Assert.True(double.IsNaN(ForgettingQuality.RuleEpsilon(0, 0.5)));
        Assert.True(double.IsNaN(ForgettingQuality.RuleEpsilon(0.25, 0)));
        // FPR = 1/4, FNR = 1/2: max(ln(1 − δ − 1/4) − ln(1/2), ln(1 − δ − 1/2) − ln(1/4)) = ln((1/2 − δ)·4).
        Assert.Equal(Math.Log((0.5 - Delta) * 4), ForgettingQuality.RuleEpsilon(0.25, 0.5), 12);
        // A useless rule (FPR + FNR ≥ 1) has both bounds ≤ 0: clipped to 0.
        Assert.Equal(0, ForgettingQuality.RuleEpsilon(0.5, 0.5));
        // FPR = 1: ln(−δ) is undefined, the other bound ln(1 − δ − FNR) − ln 1 < 0 clips to 0; FPR = FNR = 1 is discarded.
        Assert.Equal(0, ForgettingQuality.RuleEpsilon(1, 0.5));
        Assert.True(double.IsNaN(ForgettingQuality.RuleEpsilon(1, 1)));
    }

    [Fact]
    public void Identical_groups_score_one()
    {
        var rows = Enumerable.Range(0, 8).Select(m => Enumerable.Range(0, 30).Select(i => Math.Sin(7 * m + 3 * i) * 3 + i * 0.1).ToArray()).ToList();
        var r = ForgettingQuality.Score(rows, rows.Select(x => (double[])x.Clone()).ToList());
        Assert.Equal(1.0, r.F);
        Assert.All(r.Examples, e => Assert.Equal(0, e.Epsilon));
    }

    [Fact]
    public void Perfectly_separated_groups_score_zero()
    {
        var unlearned = Enumerable.Range(0, 8).Select(m => new[] { 10.0 + m, 20.0 + 0.5 * m }).ToList();
        var retrained = Enumerable.Range(0, 8).Select(m => new[] { 0.0 + m, -5.0 - 0.5 * m }).ToList();
        var r = ForgettingQuality.Score(unlearned, retrained);
        Assert.Equal(0, r.F);
        Assert.All(r.Examples, e => Assert.Equal(ForgettingQuality.EpsilonCap, e.Epsilon));
    }

    [Fact]
    public void Eight_models_with_one_overlapping_pair_give_one_eighth()
    {
        // Unlearned 0..7 and Retrained 6..13 overlap in {6, 7}. The best rule, φ ≥ t with 6 < t ≤ 7 (or the interval
        // [≤ 0, r] with 6 ≤ r < 7), misses one Retrained model and catches one unlearned one: FPR = FNR = 1/8.
        // ε = ln(1 − δ − 1/8) − ln(1/8) = ln(7 − 8δ) ≈ 1.9459, in [1.5, 2): ⅛ point. No rule has both rates 0, and any
        // rule with FPR = 0 or FNR = 0 alone is discarded.
        double[] u = [0, 1, 2, 3, 4, 5, 6, 7];
        double[] rt = [6, 7, 8, 9, 10, 11, 12, 13];
        var (eps, peaky, undecided) = ForgettingQuality.ExampleEpsilon(u, rt);
        Assert.False(peaky);
        Assert.False(undecided);
        Assert.Equal(Math.Log(1 - Delta - 0.125) - Math.Log(0.125), eps, 9);
        var r = ForgettingQuality.Score([.. u.Select(v => new[] { v })], [.. rt.Select(v => new[] { v })]);
        Assert.Equal(0.125, r.F);
    }

    [Fact]
    public void A_wide_overlap_gives_a_smaller_epsilon()
    {
        // Unlearned 0..7, Retrained 1.5..8.5. Listing every threshold gap (and the intervals, which cannot do better
        // here), the strongest rule is φ ≥ t with 2 < t ≤ 2.5 (or 6 < t ≤ 6.5): FNR = 1/8, FPR = 5/8 (or the mirror),
        // ε = ln(1 − δ − 5/8) − ln(1/8) = ln(3 − 8δ) ≈ 1.0986, in [1, 1.5): ¼ point.
        double[] u = [0, 1, 2, 3, 4, 5, 6, 7];
        double[] rt = [.. u.Select(v => v + 1.5)];
        var (eps, _, _) = ForgettingQuality.ExampleEpsilon(u, rt);
        Assert.Equal(Math.Log(1 - Delta - 0.625) - Math.Log(0.125), eps, 9);
        Assert.Equal(0.25, ForgettingQuality.Points(eps, 8));
    }

    [Fact]
    public void A_peaky_group_gets_the_cap()
    {
        // The unlearned models agree to within 0.001 while the Retrained ones spread over 7: ratio < 1 %.
        double[] u = [3, 3.0001, 3.0002, 3.0003, 3.0004, 3.0005, 3.0006, 3.001];
        double[] rt = [0, 1, 2, 3, 4, 5, 6, 7];
        var (eps, peaky, _) = ForgettingQuality.ExampleEpsilon(u, rt);
        Assert.True(peaky);
        Assert.Equal(ForgettingQuality.EpsilonCap, eps);
    }

    [Fact]
    public void Swapping_the_groups_gives_the_same_epsilon()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            double shift = random.NextDouble() * 3;
            var u = Enumerable.Range(0, 8).Select(_ => Gaussian(random) + shift).ToArray();
            var rt = Enumerable.Range(0, 8).Select(_ => Gaussian(random) * (0.5 + random.NextDouble())).ToArray();
            Assert.Equal(ForgettingQuality.ExampleEpsilon(u, rt).Epsilon, ForgettingQuality.ExampleEpsilon(rt, u).Epsilon, 12);
        }
    }

    [Fact]
    public void A_growing_mean_shift_makes_f_fall()
    {
        // Common random numbers: the same draws shifted further apart at each step.
        var random = new Random(11);
        const int k = 8, n = 300;
        var baseU = Enumerable.Range(0, k).Select(_ => Enumerable.Range(0, n).Select(_ => Gaussian(random)).ToArray()).ToList();
        var baseR = Enumerable.Range(0, k).Select(_ => Enumerable.Range(0, n).Select(_ => Gaussian(random)).ToArray()).ToList();
        double previous = double.PositiveInfinity;
        var fs = new List<double>();
        foreach (var shift in new[] { 0.0, 0.5, 1.0, 2.0, 4.0, 8.0 })
        {
            var u = baseU.Select(row => row.Select(v => v + shift).ToArray()).ToList();
            double f = ForgettingQuality.Score(u, baseR).F;
            fs.Add(f);
            Assert.True(f <= previous, $"F rose from {previous} to {f} at shift {shift}");
            previous = f;
        }
        Assert.True(fs[0] > 0.1, $"F at no shift was {fs[0]}");
        Assert.Equal(0, fs[^1]);
    }

    public static TheoryData<int> ReferenceCaseIndexes() => [.. Enumerable.Range(0, ForgettingQualityReferenceCases.All.Length)];

    [Theory]
    [MemberData(nameof(ReferenceCaseIndexes))]
    public void Agrees_with_the_organisers_released_scoring_code(int index)
    {
        var c = ForgettingQualityReferenceCases.All[index];
        var r = ForgettingQuality.Score(c.Unlearned, c.Retrained);
        Assert.Equal(c.F, r.F, 12);
        for (int i = 0; i < c.Epsilon.Length; i++)
            Assert.Equal(c.Epsilon[i], r.Examples[i].Epsilon, 5);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ForgettingQuality.Score([[1.0]], [[1.0], [2.0]]));
        Assert.Throws<ArgumentException>(() => ForgettingQuality.Score([[1.0], [2.0]], [[1.0], [double.NaN]]));
        Assert.Throws<ArgumentException>(() => ForgettingQuality.Score([[1.0, 2.0], [2.0]], [[1.0, 2.0], [2.0, 3.0]]));
    }

    [Fact]
    public void Linspace_matches_numpy()
    {
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], Enumerable.Range(0, 5).Select(i => ForgettingQuality.LinSpace(0, 1, 5, i)));
        Assert.Equal(3, ForgettingQuality.LinSpace(3, 9, 1, 0));
    }

    [Fact]
    public void Median_of_even_count_is_the_mean_of_the_middle_pair()
    {
        Assert.Equal(2.5, ForgettingQuality.Median([4, 1, 2, 3]));
        Assert.Equal(2, ForgettingQuality.Median([3, 1, 2]));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
