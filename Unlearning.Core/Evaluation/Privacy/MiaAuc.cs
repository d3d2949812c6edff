namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>
/// The population membership-inference check of a forget set against the test set (docs/metrics.md, "MIA against the
/// test set"): the ROC AUC of the top-1 confidence as a score that tells forget samples (would-be members) from test
/// samples (non-members). 0.5 = indistinguishable, as for a model that never saw the forget set; above 0.5 the
/// forget samples still look like training data; below, they look less familiar than unseen data.
/// </summary>
public static class MiaAuc
{
    /// <summary>
    /// AUC = P(m &gt; n) + ½·P(m = n) over all pairs of a member score m and a non-member score n (the Mann–Whitney U
    /// statistic divided by |M|·|N|), computed from average ranks in O((|M| + |N|) log(|M| + |N|)). Null when either
    /// side is empty or a score is not finite.
    /// </summary>
    public static double? Auc(IReadOnlyList<double> members, IReadOnlyList<double> nonMembers)
    {
        int m = members.Count, n = nonMembers.Count;
        if (m == 0 || n == 0 || members.Any(v => !double.IsFinite(v)) || nonMembers.Any(v => !double.IsFinite(v))) return null;
        var all = members.Select(v => (Value: v, Member: true)).Concat(nonMembers.Select(v => (Value: v, Member: false))).OrderBy(x => x.Value).ToArray();
        double memberRankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Value == all[i].Value) j++;
            double averageRank = (i + 1 + j) / 2.0;   // ranks i+1..j share their mean
            for (int k = i; k < j; k++) if (all[k].Member) memberRankSum += averageRank;
            i = j;
        }
        double u = memberRankSum - m * (m + 1.0) / 2;   // in double: m(m + 1) overflows an int from m ≈ 46,341 (a retain set)
        return u / ((double)m * n);
    }
}
