namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>
/// SalUn-style MIA efficacy (docs/metrics.md, "C-MIA and E-MIA"): a shadow attack is fitted once on the base model's outputs —
/// members = random retain train samples, non-members = random test samples not of a forgotten class — with one
/// <see cref="LinearSvm"/> per feature; at each epoch the efficacy is the fraction of forget samples it predicts
/// non-member. Features: the true-class softmax probability (C-MIA) and the softmax entropy (E-MIA), both at T = 1.
/// </summary>
public static class MiaEfficacy
{
    /// <summary>Shadow samples per side (the original's 4,500 members and 4,500 non-members).</summary>
    public const int ShadowSize = 4500;

    /// <summary>The true-class probability p_y = softmax(z)_y (T = 1), through log-softmax in float64.</summary>
    public static double TrueClassProbability(ReadOnlySpan<double> logits, int label)
    {
        if (logits.Length == 0) throw new ArgumentException("Logits row is empty.");
        if (label < 0 || label >= logits.Length) throw new ArgumentOutOfRangeException(nameof(label), label, $"Label must be in 0..{logits.Length - 1}.");
        double max = double.NegativeInfinity;
        foreach (var z in logits) max = Math.Max(max, z);
        double sum = 0;
        foreach (var z in logits) sum += Math.Exp(z - max);
        return Math.Exp(logits[label] - max - Math.Log(sum));
    }

    /// <summary>The softmax entropy at T = 1 (<see cref="MiaSignals.Entropy(ReadOnlySpan{double}, double)"/>, natural log).</summary>
    public static double SoftmaxEntropy(ReadOnlySpan<double> logits) => MiaSignals.Entropy(logits, 1.0);

    /// <summary>Efficacy = the fraction of <paramref name="forgetFeatures"/> the shadow SVM predicts non-member; 0 for an empty set.</summary>
    public static double Efficacy(LinearSvm shadow, IReadOnlyList<double> forgetFeatures)
    {
        if (forgetFeatures.Count == 0) return 0;
        int nonMembers = 0;
        foreach (var x in forgetFeatures) if (!shadow.IsMember(x)) nonMembers++;
        return (double)nonMembers / forgetFeatures.Count;
    }

    /// <summary>
    /// A seeded draw of min(<paramref name="size"/>, |pool|) distinct entries of <paramref name="pool"/> (a partial Fisher–Yates
    /// shuffle), returned in ascending order so that the passes over them are deterministic.
    /// </summary>
    public static int[] Draw(IReadOnlyList<int> pool, int size, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var copy = pool.ToArray();
        int n = Math.Min(size, copy.Length);
        for (int i = 0; i < n; i++)
        {
            int j = rng.Next(i, copy.Length);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        var picked = copy[..n];
        Array.Sort(picked);
        return picked;
    }
}
