using Unlearning.Core.Evaluation.Privacy;

namespace Unlearning.Tests.Core.Evaluation.Privacy;

/// <summary>The AUC of docs/metrics.md, "MIA against the test set", against pair counts done by hand.</summary>
public class MiaAucTests
{
    [Fact]
    public void Auc_counts_pairs_with_half_for_ties()
    {
        // Members {3, 5}, non-members {1, 3, 4}: pairs (m > n): 3>1, 5>1, 5>3, 5>4 = 4; ties: 3=3 counts ½; total 6 pairs → 4.5/6 = 0.75.
        Assert.Equal(0.75, MiaAuc.Auc([3, 5], [1, 3, 4])!.Value, 12);
        // Fully separated both ways, and identical distributions.
        Assert.Equal(1.0, MiaAuc.Auc([10, 11], [1, 2, 3])!.Value, 12);
        Assert.Equal(0.0, MiaAuc.Auc([1, 2], [10, 11, 12])!.Value, 12);
        Assert.Equal(0.5, MiaAuc.Auc([1, 2, 3], [1, 2, 3])!.Value, 12);
        Assert.Equal(0.5, MiaAuc.Auc([7, 7], [7])!.Value, 12);
    }

    [Fact]
    public void Auc_matches_a_brute_force_pair_count_on_random_scores()
    {
        var rng = new Random(5);
        // Rounded so that ties occur.
        var m = Enumerable.Range(0, 300).Select(_ => Math.Round(rng.NextDouble() * 3 + 0.3, 1)).ToArray();
        var n = Enumerable.Range(0, 500).Select(_ => Math.Round(rng.NextDouble() * 3, 1)).ToArray();
        double wins = 0;
        foreach (var a in m) foreach (var b in n) wins += a > b ? 1 : a == b ? 0.5 : 0;
        Assert.Equal(wins / (m.Length * n.Length), MiaAuc.Auc(m, n)!.Value, 12);
    }

    [Fact]
    public void A_retain_sized_member_set_stays_in_range()
    {
        // 54,000 members (a class set's retain samples): 30,000 score 1.0 and 24,000 score 0.0; 10,000 non-members all
        // score 0.5. Each member above wins every pair, each below loses: AUC = 30,000 / 54,000 exactly. (m(m + 1) once
        // overflowed an int here and gave 4.48.)
        var members = Enumerable.Repeat(1.0, 30_000).Concat(Enumerable.Repeat(0.0, 24_000)).ToArray();
        var nonMembers = Enumerable.Repeat(0.5, 10_000).ToArray();
        Assert.Equal(30_000.0 / 54_000, MiaAuc.Auc(members, nonMembers)!.Value, 12);
    }

    [Fact]
    public void Empty_or_non_finite_inputs_give_no_value()
    {
        Assert.Null(MiaAuc.Auc([], [1]));
        Assert.Null(MiaAuc.Auc([1], []));
        Assert.Null(MiaAuc.Auc([double.NaN], [1]));
        Assert.Null(MiaAuc.Auc([1], [double.PositiveInfinity]));
    }
}
