namespace Unlearning.Core.Evaluation.Privacy;

/// <summary>What <see cref="ForgettingQuality.Score"/> found for one forget example.</summary>
/// <param name="Epsilon">The example's ε estimate, 0..<see cref="ForgettingQuality.EpsilonCap"/>.</param>
/// <param name="Points">2^−⌊ε/0.5⌋ below the group size's bound, 0 otherwise.</param>
/// <param name="Peaky">True when ε was set to the cap because one group's spread is below 1 % of the other's.</param>
/// <param name="Undecided">True when no decision rule of the grid had both error rates non-zero (ε = 0, see docs/metrics.md).</param>
public readonly record struct ExampleForgetting(double Epsilon, double Points, bool Peaky, bool Undecided);

/// <summary>The forgetting quality of a group of unlearned models against a group of Retrained models.</summary>
/// <param name="F">The mean of the per-example points, 0..1 (1 = indistinguishable from retraining).</param>
/// <param name="MaxEpsilon">⌈ln(K − 1)⌉: ε at or above it earns no points.</param>
/// <param name="Examples">Per forget example, in the order of the columns given.</param>
public sealed record ForgettingQualityResult(double F, int K, double MaxEpsilon, IReadOnlyList<ExampleForgetting> Examples);

/// <summary>
/// Forgetting quality as the NeurIPS 2023 Machine Unlearning challenge scored it (Triantafillou et al., arXiv 2406.09073;
/// the organisers' released scoring code). docs/metrics.md, "Forgetting quality", gives the definition, every constant
/// and the deliberate numeric differences (float64 throughout). Pure: arrays in, numbers out.
/// </summary>
public static class ForgettingQuality
{
    /// <summary>δ of the (ε, δ) bound.</summary>
    public const double Delta = 1e-5;
    /// <summary>ε of a perfectly separating rule (and of "peaky" examples) is capped here.</summary>
    public const double EpsilonCap = 50;
    /// <summary>Thresholds per unit of the statistic, for both rule grids.</summary>
    public const int ThresholdsPerUnit = 100;
    /// <summary>How far the double-threshold grid reaches beyond the peakier group (in units of the statistic).</summary>
    private const double Buffer = 2.0;
    private const double BucketSize = 0.5;
    /// <summary>Below this ratio of spreads (smaller / larger) an example gets ε = cap outright.</summary>
    private const double PeakyRatio = 0.01;

    /// <summary>
    /// The logit-scaled confidence of the true class, φ = log(p_y + 10⁻⁴⁵) − log(Σ_{j≠y} p_j + 10⁻⁴⁵), with the softmax
    /// taken in float64 after subtracting the largest logit (stable for any logits).
    /// </summary>
    public static double LogitScaledConfidence(ReadOnlySpan<float> logits, int target)
    {
        if (logits.Length < 2) throw new ArgumentException("At least two logits are needed.", nameof(logits));
        if ((uint)target >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(target), $"Target {target} is not one of the {logits.Length} classes.");
        double max = double.NegativeInfinity;
        foreach (var l in logits)
        {
            if (!float.IsFinite(l)) return double.NaN;
            max = Math.Max(max, l);
        }
        double sum = 0, correct = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            double e = Math.Exp(logits[j] - max);
            sum += e;
            if (j == target) correct = e;
        }
        // The wrong classes' mass is summed from their own terms (not 1 − p_y), so it stays exact when p_y ≈ 1.
        double wrong = 0;
        for (int j = 0; j < logits.Length; j++)
            if (j != target) wrong += Math.Exp(logits[j] - max) / sum;
        return Math.Log(correct / sum + 1e-45) - Math.Log(wrong + 1e-45);
    }

    /// <summary>
    /// ⌈ln(K − 1)⌉, the largest ε that K models per group can certify (the challenge's back-of-the-envelope bound);
    /// 0 for K ≤ 2, where no example can earn points.
    /// </summary>
    public static double MaxEpsilon(int k) => k <= 2 ? 0 : Math.Ceiling(Math.Log(k - 1));

    /// <summary>Points for one ε: 1, ½, ¼, … for ε in [0, 0.5), [0.5, 1), … below <see cref="MaxEpsilon"/>; 0 from there on.</summary>
    public static double Points(double epsilon, int k)
    {
        double max = MaxEpsilon(k), points = 1;
        for (double start = 0; start + BucketSize <= max; start += BucketSize, points /= 2)
            if (epsilon < start + BucketSize) return points;
        return 0;
    }

    /// <summary>
    /// F for <paramref name="unlearned"/>[model][example] against <paramref name="retrained"/>[model][example]: the
    /// mean over examples of <see cref="Points"/> of each example's ε (<see cref="ExampleEpsilon"/>). Both groups
    /// must have the same number K ≥ 2 of models, the same number of examples, and finite statistics.
    /// </summary>
    public static ForgettingQualityResult Score(IReadOnlyList<double[]> unlearned, IReadOnlyList<double[]> retrained, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(unlearned);
        ArgumentNullException.ThrowIfNull(retrained);
        int k = unlearned.Count;
        if (k < 2 || retrained.Count != k)
            throw new ArgumentException($"Both groups need the same number of models, at least 2 (got {unlearned.Count} unlearned and {retrained.Count} Retrained).");
        int n = unlearned[0].Length;
        if (n == 0) throw new ArgumentException("The forget set has no examples.");
        foreach (var row in unlearned.Concat(retrained))
        {
            if (row.Length != n) throw new ArgumentException("Every model needs one statistic per forget example.");
            if (row.Any(v => !double.IsFinite(v))) throw new ArgumentException("A statistic is not a finite number.");
        }
        var examples = new ExampleForgetting[n];
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellation }, () => (new double[k], new double[k], new bool[(k + 1) * (k + 1)]), (i, _, buffers) =>
        {
            var (u, r, seen) = buffers;
            for (int m = 0; m < k; m++) { u[m] = unlearned[m][i]; r[m] = retrained[m][i]; }
            var (eps, peaky, undecided) = ExampleEpsilon(u, r, seen);
            examples[i] = new ExampleForgetting(eps, Points(eps, k), peaky, undecided);
            return buffers;
        }, _ => { });
        double f = examples.Sum(e => e.Points) / n;
        return new ForgettingQualityResult(f, k, MaxEpsilon(k), examples);
    }

    /// <summary>
    /// One example's ε from the K values of each group (docs/metrics.md, "Forgetting quality"): the positive group is the
    /// one with the larger median (the unlearned one on a tie); ε is the largest bound over a double-threshold
    /// (interval) rule grid and a single-threshold rule grid, with perfectly separating rules at the cap, rules with
    /// exactly one zero error rate discarded, and the result clipped to [0, cap].
    /// </summary>
    public static (double Epsilon, bool Peaky, bool Undecided) ExampleEpsilon(double[] unlearned, double[] retrained) =>
        ExampleEpsilon(unlearned, retrained, new bool[(unlearned.Length + 1) * (retrained.Length + 1)]);

    private static (double Epsilon, bool Peaky, bool Undecided) ExampleEpsilon(double[] unlearned, double[] retrained, bool[] seen)
    {
        int k = unlearned.Length;
        if (k < 1 || retrained.Length != k) throw new ArgumentException("Both groups need the same number of models.");
        bool retrainedIsPositive = Median(retrained) > Median(unlearned);
        var pos = (double[])(retrainedIsPositive ? retrained : unlearned).Clone();
        var neg = (double[])(retrainedIsPositive ? unlearned : retrained).Clone();
        Array.Sort(pos);
        Array.Sort(neg);
        double posDiff = pos[^1] - pos[0], negDiff = neg[^1] - neg[0];
        double largest = posDiff > negDiff ? posDiff : negDiff;
        double smallest = posDiff > negDiff ? negDiff : posDiff;
        // 0/0 (both groups constant) is NaN and, as in the released code, not "peaky".
        if (smallest / largest < PeakyRatio) return (EpsilonCap, true, false);

        // seen[fn · (K + 1) + fp]: some rule has fn false negatives and fp false positives out of K each. ε depends on
        // the rates only, so the largest ε over the grids is the largest over the pairs reached.
        Array.Clear(seen);
        MarkIntervalRules(pos, neg, seen);
        MarkThresholdRules(pos, neg, seen);

        double best = double.NaN;
        for (int fn = 0; fn <= k; fn++)
            for (int fp = 0; fp <= k; fp++)
            {
                if (!seen[fn * (k + 1) + fp]) continue;
                double eps = RuleEpsilon(fpr: (double)fp / k, fnr: (double)fn / k);
                if (!double.IsNaN(eps) && !(eps <= best)) best = eps;
            }
        if (double.IsNaN(best)) return (0, false, true);
        return (Math.Min(best, EpsilonCap), false, false);
    }

    /// <summary>
    /// ε of one decision rule from its false-positive and false-negative rates: +∞ when both are 0 (a perfect
    /// separation), NaN (discarded) when exactly one is 0, otherwise
    /// max(log(1 − δ − FPR) − log FNR, log(1 − δ − FNR) − log FPR) clipped at 0 (a term whose logarithm is undefined is
    /// ignored; NaN, discarded, when both are).
    /// </summary>
    public static double RuleEpsilon(double fpr, double fnr)
    {
        if (fpr + fnr == 0) return double.PositiveInfinity;
        if (fpr * fnr == 0) return double.NaN;
        double a = Math.Log(1 - Delta - fpr) - Math.Log(fnr);
        double b = Math.Log(1 - Delta - fnr) - Math.Log(fpr);
        double m = double.IsNaN(a) ? b : double.IsNaN(b) ? a : Math.Max(a, b);
        return double.IsNaN(m) ? double.NaN : Math.Max(m, 0);
    }

    /// <summary>
    /// The interval (double-threshold) rules: "member of the peakier group" (the one with the smaller spread w; on equal
    /// spreads the median-smaller one, as the released code orders them) when left ≤ φ ≤ right. Right ends: ⌈(max − min)·100⌉ evenly spaced values from min = peaky min + w − 2 to
    /// max = peaky max + 2; for each right end r, 400 left ends evenly from r − w − 2 to r − w + 2.
    /// </summary>
    private static void MarkIntervalRules(double[] pos, double[] neg, bool[] seen)
    {
        int k = pos.Length;
        double posDiff = pos[^1] - pos[0], negDiff = neg[^1] - neg[0];
        double width = posDiff > negDiff ? negDiff : posDiff;
        var peaky = posDiff >= negDiff ? neg : pos;
        var other = posDiff >= negDiff ? pos : neg;
        double min = peaky[0] + width - Buffer, max = peaky[^1] + Buffer;
        int numRight = (int)Math.Ceiling((max - min) * ThresholdsPerUnit);
        int numLeft = (int)Math.Ceiling(2 * Buffer * ThresholdsPerUnit);
        for (int ri = 0; ri < numRight; ri++)
        {
            double right = LinSpace(min, max, numRight, ri);
            int peakyUpToRight = CountAtMost(peaky, right), otherUpToRight = CountAtMost(other, right);
            double lo = right - width - Buffer, hi = right - width + Buffer;
            int peakyBelow = 0, otherBelow = 0;
            for (int li = 0; li < numLeft; li++)
            {
                double left = LinSpace(lo, hi, numLeft, li);
                while (peakyBelow < k && peaky[peakyBelow] < left) peakyBelow++;
                while (otherBelow < k && other[otherBelow] < left) otherBelow++;
                // Positive = the peakier group: its samples outside [left, right] are false negatives, the other
                // group's inside are false positives.
                int peakyIn = Math.Max(0, peakyUpToRight - peakyBelow), otherIn = Math.Max(0, otherUpToRight - otherBelow);
                seen[(k - peakyIn) * (k + 1) + otherIn] = true;
            }
        }
    }

    /// <summary>
    /// The single-threshold rules: "member of the median-larger group" when φ ≥ t, for ⌈(max − min)·100⌉ thresholds
    /// evenly from the smallest to the largest value of both groups.
    /// </summary>
    private static void MarkThresholdRules(double[] pos, double[] neg, bool[] seen)
    {
        int k = pos.Length;
        double min = Math.Min(pos[0], neg[0]), max = Math.Max(pos[^1], neg[^1]);
        int num = (int)Math.Ceiling((max - min) * ThresholdsPerUnit);
        int posBelow = 0, negBelow = 0;
        for (int i = 0; i < num; i++)
        {
            double t = LinSpace(min, max, num, i);
            while (posBelow < k && pos[posBelow] < t) posBelow++;
            while (negBelow < k && neg[negBelow] < t) negBelow++;
            seen[posBelow * (k + 1) + (k - negBelow)] = true;
        }
    }

    /// <summary>The i-th of <paramref name="num"/> evenly spaced values from start to stop inclusive, as NumPy's linspace computes it.</summary>
    internal static double LinSpace(double start, double stop, int num, int i)
    {
        if (num == 1) return start;
        if (i == num - 1) return stop;
        double step = (stop - start) / (num - 1);
        return i * step + start;
    }

    private static int CountAtMost(double[] sorted, double x)
    {
        int c = 0;
        while (c < sorted.Length && sorted[c] <= x) c++;
        return c;
    }

    /// <summary>The median: the middle value, or the mean of the two middle values for an even count.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var s = values.Order().ToArray();
        int n = s.Length;
        if (n == 0) throw new ArgumentException("No values.", nameof(values));
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
