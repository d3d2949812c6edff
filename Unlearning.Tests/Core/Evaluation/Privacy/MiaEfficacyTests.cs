using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

/// <summary>The C-MIA / E-MIA pieces of docs/metrics.md, "C-MIA and E-MIA", against hand-computed values.</summary>
public class MiaEfficacyTests
{
    [Fact]
    public void True_class_probability_is_the_softmax_entry_of_the_label()
    {
        // softmax([0, ln 3]) = [1/4, 3/4].
        Assert.Equal(0.75, MiaEfficacy.TrueClassProbability([0, Math.Log(3)], 1), 12);
        Assert.Equal(0.25, MiaEfficacy.TrueClassProbability([0, Math.Log(3)], 0), 12);
        // Large logits neither overflow nor give NaN: p = 1 / (1 + e^−1000) = 1, and e^−1000 underflows to 0.
        Assert.Equal(1.0, MiaEfficacy.TrueClassProbability([1000, 0], 0), 12);
        Assert.Equal(0.0, MiaEfficacy.TrueClassProbability([1000, 0], 1), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => MiaEfficacy.TrueClassProbability([0, 1], 2));
    }

    [Fact]
    public void Softmax_entropy_is_at_temperature_one()
    {
        Assert.Equal(Math.Log(2), MiaEfficacy.SoftmaxEntropy([5, 5]), 12);
        // p = [1/4, 3/4]: H = −(0.25·ln 0.25 + 0.75·ln 0.75) = 0.3465736 + 0.2157616.
        Assert.Equal(0.5623351, MiaEfficacy.SoftmaxEntropy([0, Math.Log(3)]), 6);
    }

    [Fact]
    public void Efficacy_is_the_fraction_predicted_non_member()
    {
        // f(x) = x − 0.5: 0.2 → −0.3 (non-member), 0.5 → 0 (a tie: non-member), 0.9 → member, 0.1 → non-member ⇒ 3/4.
        var svm = new LinearSvm(1, -0.5);
        Assert.Equal(0.75, MiaEfficacy.Efficacy(svm, [0.2, 0.5, 0.9, 0.1]), 12);
        Assert.Equal(0.0, MiaEfficacy.Efficacy(svm, []));
    }

    [Fact]
    public void Shadow_draws_are_seeded_distinct_sorted_and_capped_by_the_pool()
    {
        var pool = Enumerable.Range(100, 50).ToArray();
        var a = MiaEfficacy.Draw(pool, 20, new Random(3));
        var b = MiaEfficacy.Draw(pool, 20, new Random(3));
        var c = MiaEfficacy.Draw(pool, 20, new Random(4));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(20, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.All(a, i => Assert.Contains(i, pool));
        Assert.Equal(pool, MiaEfficacy.Draw(pool, 4500, new Random(1)));
    }
}
